// Command http serves redflag over HTTP with the standard library only: a
// JSON API for apps and a plain HTML form for people.
//
//	go run ./examples/http                         # http://localhost:8080
//	go run ./examples/http -addr :9000 -rules DIR
//
// Routes:
//
//	GET  /               a browser form that asks one question at a time
//	GET  /questionnaire  the questions, with their types, choices and ask_if
//	POST /triage         answers in, verdict out (400 with per-question errors)
//	POST /next           {"answers": {...}, "skip": [...]} in; the next question (with a count of those left), or the verdict
//
// POST bodies must be sent as Content-Type: application/json (else 415,
// which keeps cross-site "simple" form posts out) and are read strictly: one
// JSON object, exact field names, no duplicate or unknown field, nothing
// after it (else 400). They are limited to 64 KiB (else 413); a body that
// stops arriving before the read timeout is a 408. Every error is a JSON
// {"error": ...}. The server has read, write and idle timeouts, and SIGINT
// or SIGTERM shut it down gracefully. Every verdict carries the reminder
// that it supports triage and is not a diagnosis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}

// run parses flags, loads the rules and serves until ctx ends.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fset := flag.NewFlagSet("http", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", "localhost:8080", "listen `address`")
	dir := fset.String("rules", "", "load the rule set from `DIR` instead of the embedded default")
	if err := fset.Parse(args); err != nil {
		return err
	}
	var fsys fs.FS = rules.FS
	if *dir != "" {
		fsys = os.DirFS(*dir)
	}
	eng, err := triage.Load(fsys)
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				e.Pos.File = inDir(*dir, e.Pos.File)
			}
			return fmt.Errorf("the rules do not load:\n%s", list.ErrorsWithSnippets())
		}
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	where := *dir
	if where == "" {
		where = "embedded"
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "rules", where, "rule_set", eng.RuleSet().String())
	return serve(ctx, ln, newServer(newHandler(eng, *dir, log), log), log)
}

// inDir names file, a path within the rule directory dir ("" for the
// embedded rule set), as the operator can open it from here: the engine
// only knows paths within the fs.FS it loaded.
func inDir(dir, file string) string {
	if dir == "" || file == "" {
		return file
	}
	return filepath.Join(dir, filepath.FromSlash(file))
}

// newServer returns the server for h, with its limits and timeouts.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve runs srv on ln until ctx ends, then shuts down gracefully: it stops
// accepting connections and waits up to ten seconds for requests in
// flight.
func serve(ctx context.Context, ln net.Listener, srv *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/server"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/reload"
)

// serveFlags are the flags of "redflag serve".
type serveFlags struct {
	rules, addr, baseURL string
	tlsCert, tlsKey      string
	corsOrigins          []string
	// cdsIssuers and cdsJWKS pair up in order: the i-th issuer's keys are
	// in the i-th file.
	cdsIssuers, cdsJWKS []string
	insecureDev         bool
}

// parseServe parses serve's flags. ok is false when serve should stop at
// once with exit (after -h, or a mistake it has reported).
func parseServe(args []string, stderr io.Writer) (f serveFlags, exit int, ok bool) {
	fset := flag.NewFlagSet("redflag serve", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.StringVar(&f.rules, "rules", "", "serve the rule set in `DIR`, reloading it when it changes (default: the embedded rule set)")
	fset.StringVar(&f.addr, "addr", "127.0.0.1:8080", "listen on `ADDRESS` (host:port; port 0 picks a free one)")
	fset.StringVar(&f.baseURL, "base-url", "", "the `URL` clients reach the service at, for canonical urls (default: http(s)://ADDRESS as bound)")
	fset.StringVar(&f.tlsCert, "tls-cert", "", "serve HTTPS with the certificate (PEM) in `FILE`; needs --tls-key")
	fset.StringVar(&f.tlsKey, "tls-key", "", "the private key (PEM) in `FILE` for --tls-cert")
	fset.Func("cors-origin", "let pages of `ORIGIN` (https://app.example.org, matched exactly) call the service from a browser; repeatable", func(o string) error {
		f.corsOrigins = append(f.corsOrigins, o)
		return nil
	})
	fset.Func("cds-issuer", "trust CDS Hooks clients whose JWTs name `ISSUER` (iss), with the keys of the matching --cds-jwks; repeatable", func(v string) error {
		f.cdsIssuers = append(f.cdsIssuers, v)
		return nil
	})
	fset.Func("cds-jwks", "the JSON Web Key Set `FILE` of the --cds-issuer in the same position; read once, never fetched", func(v string) error {
		f.cdsJWKS = append(f.cdsJWKS, v)
		return nil
	})
	fset.BoolVar(&f.insecureDev, "insecure-dev", false, "DEVELOPMENT ONLY: accept CDS Hooks calls that carry no JWT")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "Usage: redflag serve [--rules DIR] [--addr 127.0.0.1:8080] [--base-url URL] [--tls-cert FILE --tls-key FILE]")
		fmt.Fprintln(stderr, "                     [--cors-origin ORIGIN]... [--cds-issuer ISSUER --cds-jwks FILE]... [--insecure-dev]")
		fset.PrintDefaults()
	}
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return f, exit, false
	}
	switch {
	case len(positional) > 0:
		fmt.Fprintf(stderr, "redflag serve: unexpected argument %s; the rule directory goes after --rules\n", quote(positional[0]))
	case (f.tlsCert == "") != (f.tlsKey == ""):
		fmt.Fprintln(stderr, "redflag serve: --tls-cert and --tls-key go together: give both for HTTPS, or neither")
	case len(f.cdsIssuers) != len(f.cdsJWKS):
		fmt.Fprintf(stderr, "redflag serve: each --cds-issuer needs its --cds-jwks file, in the same order; got %d issuers and %d files\n", len(f.cdsIssuers), len(f.cdsJWKS))
	default:
		return f, 0, true
	}
	return f, exitBadInput, false
}

// serveCmd is "redflag serve": the JSON API, the browser form, the FHIR
// endpoints and health checks over HTTP(S), until SIGINT or SIGTERM. It
// exits 0 after a graceful shutdown, 2 for bad flags or rules, 1 when it
// cannot listen or serve.
func serveCmd(ctx context.Context, args []string, stderr io.Writer) int {
	f, exit, ok := parseServe(args, stderr)
	if !ok {
		return exit
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	cds, err := cdsOptions(f)
	if err != nil {
		fmt.Fprintf(stderr, "redflag serve: %s\n", printable(err.Error()))
		return exitBadInput
	}
	tlsConfig, err := loadTLS(f)
	if err != nil {
		fmt.Fprintf(stderr, "redflag serve: %s\n", printable(err.Error()))
		return exitBadInput
	}
	ln, err := listen(f.addr, tlsConfig)
	if err != nil {
		fmt.Fprintf(stderr, "redflag serve: %s\n", printable(err.Error()))
		return exitFailure
	}
	defer ln.Close()
	baseURL, err := checkAddress(f, ln.Addr(), log)
	if err != nil {
		fmt.Fprintf(stderr, "redflag serve: %s\n", err)
		return exitBadInput
	}
	if f.insecureDev {
		log.Warn("INSECURE DEVELOPMENT MODE (--insecure-dev): CDS Hooks calls without a JWT are accepted. Never run it like this with real patients' data.")
	}
	var rules rulesSource
	srv, err := server.New(server.Options{
		Engine: rules.Engine, BaseURL: baseURL, RulesDir: f.rules, Logger: log, CORSOrigins: f.corsOrigins, CDSHooks: cds,
	})
	if err != nil {
		fmt.Fprintf(stderr, "redflag serve: %s\n", printable(err.Error()))
		return exitBadInput
	}
	if code, ok := startRules(ctx, f.rules, srv, &rules, log, stderr); !ok {
		return code
	}
	log.Info("serving", "addr", ln.Addr().String(), "url", baseURL, "tls", f.tlsCert != "",
		"rules", rulesWhere(f.rules), "hot_reload", f.rules != "", "rule_set", rules.Engine().RuleSet().String(),
		"cds_hooks", cds != nil, "cds_issuers", f.cdsIssuers, "insecure_dev", f.insecureDev,
		"notice", triage.Disclaimer)
	if err := server.Serve(ctx, ln, srv.Handler(), log); err != nil {
		log.Error("serving failed", "err", err)
		return exitFailure
	}
	return exitSelfCare
}

// cdsOptions are the CDS Hooks options of f: nil (no CDS Hooks) without
// a trusted issuer or --insecure-dev. Each JWKS file is read here, once.
func cdsOptions(f serveFlags) (*cdshooks.Options, error) {
	if len(f.cdsIssuers) == 0 && !f.insecureDev {
		return nil, nil
	}
	o := &cdshooks.Options{Insecure: f.insecureDev, Issuers: map[string][]byte{}}
	for i, iss := range f.cdsIssuers {
		if _, dup := o.Issuers[iss]; dup {
			return nil, fmt.Errorf("--cds-issuer %s is given twice; give each issuer once, with all its keys in one JWKS file", quote(iss))
		}
		data, err := os.ReadFile(f.cdsJWKS[i])
		if err != nil {
			return nil, fmt.Errorf("--cds-jwks: %w", err)
		}
		o.Issuers[iss] = data
	}
	return o, nil
}

// checkAddress checks the address the service is bound to, addr, against
// f, and returns the base URL: --base-url, or one made of addr.
//
// --insecure-dev is refused unless addr is loopback: a service that takes
// CDS Hooks calls without a token must not be reachable from the network.
// A wildcard address (":8080", "0.0.0.0:8080", "[::]:8080") needs
// --base-url: a URL made of it names no host a client can reach, and
// tokens would be checked against that aud. A port picked at startup
// (port 0) without --base-url is logged as a warning: canonical urls and
// aud change at every restart.
func checkAddress(f serveFlags, addr net.Addr, log *slog.Logger) (string, error) {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "", fmt.Errorf("listening on %s, which is not a TCP address", addr)
	}
	if f.insecureDev && !tcp.IP.IsLoopback() {
		return "", fmt.Errorf("--insecure-dev accepts CDS Hooks calls without a token, so it listens on loopback only (--addr 127.0.0.1:PORT or localhost:PORT); %s is reachable from other machines", quote(f.addr))
	}
	if f.baseURL != "" {
		return f.baseURL, nil
	}
	if tcp.IP.IsUnspecified() {
		return "", fmt.Errorf("--addr %s listens on every interface, and no client can reach the service at that address: give --base-url with the URL clients use, such as https://triage.example.org", quote(f.addr))
	}
	base := scheme(f) + "://" + addr.String()
	if _, port, err := net.SplitHostPort(f.addr); err == nil && (port == "0" || port == "") {
		log.Warn("--addr has port 0, so the port is picked at startup and changes at every restart; so do the canonical urls and the aud tokens must name. Give --base-url for a service that clients call.",
			"url", base)
	}
	return base, nil
}

// loadTLS reads the certificate and key of --tls-cert and --tls-key: nil
// without them. A file that cannot be read, or holds no certificate or key
// that go together, is a mistake in the flags.
func loadTLS(f serveFlags) (*tls.Config, error) {
	if f.tlsCert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("cannot load the TLS certificate and key (--tls-cert, --tls-key): %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// listen opens the listening socket on addr, with TLS when cfg is not nil.
func listen(addr string, cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		return tls.NewListener(ln, cfg), nil
	}
	return ln, nil
}

// scheme is the URL scheme the service is reached with.
func scheme(f serveFlags) string {
	if f.tlsCert != "" {
		return "https"
	}
	return "http"
}

// rulesWhere names where the rules come from, for the log.
func rulesWhere(dir string) string {
	if dir == "" {
		return "embedded"
	}
	return dir
}

// rulesSource is the rule set in service: the embedded one, fixed, or the
// one a Reloader keeps. The Reloader is read at each call, never copied,
// so no engine stored here can ever be older than the Reloader's.
type rulesSource struct {
	fixed   atomic.Pointer[triage.Engine]
	watched atomic.Pointer[reload.Reloader]
}

// Engine returns the Engine in service, nil before there is one.
func (s *rulesSource) Engine() *triage.Engine {
	if r := s.watched.Load(); r != nil {
		return r.Engine()
	}
	return s.fixed.Load()
}

// startRules puts the rule set in service in src: the embedded one, or
// the one in dir, watched for edits (and reloaded at once on SIGHUP) until
// ctx is done, with each reload reported to srv. With the embedded rule
// set, SIGHUP is logged as having nothing to reload, rather than ending
// the process as it would by default. When the rules do not load, it says
// why on stderr and ok is false.
func startRules(ctx context.Context, dir string, srv *server.Server, src *rulesSource, log *slog.Logger, stderr io.Writer) (code int, ok bool) {
	rs, code := openRules(dir, "redflag serve: --rules", stderr)
	if rs == nil {
		return code, false
	}
	if dir == "" {
		eng, err := triage.Load(rs.fsys)
		if err != nil {
			rs.reportLoadError(stderr, "rules", err)
			return exitBadInput, false
		}
		src.fixed.Store(eng)
		onHangup(ctx, func() {
			log.Info("SIGHUP: the embedded rule set is served, so there is nothing to reload; use --rules DIR for hot reload")
		})
		return 0, true
	}
	r, err := reload.Watch(ctx, rs.fsys, reload.WithErrorHandler(srv.ReloadFailed), reload.WithReloadHandler(srv.Reloaded))
	if err != nil {
		rs.reportLoadError(stderr, "rules", err)
		return exitBadInput, false
	}
	src.watched.Store(r)
	onHangup(ctx, func() {
		log.Info("SIGHUP: reloading the rules now")
		_ = r.Reload() // a failure is reported through ReloadFailed
	})
	return 0, true
}

// onHangup calls fn on each SIGHUP until ctx is done. It catches the
// signal before it returns, so that a SIGHUP sent once the service says it
// is serving cannot end the process. For a watched rule directory, SIGHUP
// is the usual "the edit is finished" signal: it reloads at once instead
// of at the next poll.
func onHangup(ctx context.Context, fn func()) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				fn()
			}
		}
	}()
}

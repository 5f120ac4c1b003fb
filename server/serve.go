package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// The timeouts of the http.Server that Serve runs. ReadTimeout and
// WriteTimeout are equal: a body that stops arriving runs into the read
// deadline, and the handler pushes the write deadline back to say so (a
// 408) before the connection closes.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10
	// shutdownTimeout is how long a graceful shutdown waits for requests
	// in flight.
	shutdownTimeout = 10 * time.Second
)

// Serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to ten seconds for the requests
// in flight. It returns nil after a clean shutdown.
//
// The server has read-header, read, write and idle timeouts and bounds
// request headers to 16 KiB; its own errors go to log at level WARN. For
// TLS, pass a listener from tls.NewListener.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	return serve(ctx, ln, newHTTPServer(h, orDiscard(log)), orDiscard(log))
}

// newHTTPServer returns the http.Server for h, with its limits and
// timeouts.
func newHTTPServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func serve(ctx context.Context, ln net.Listener, srv *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// orDiscard is log, or a logger that drops everything when log is nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

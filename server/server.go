package server

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

//go:embed static
var static embed.FS

// Options configure a Server.
type Options struct {
	// Engine returns the rule set in service: a fixed Engine, or
	// reload.Reloader's Engine method for hot reload. It is called once
	// per request, never by New; until it returns an Engine, requests
	// other than /healthz and /readyz get 503. Required.
	Engine func() *triage.Engine

	// BaseURL is the absolute URL the service is reached at, such as
	// "https://triage.example.org" (no trailing slash, no query). The
	// FHIR resources' canonical urls start with BaseURL + "/fhir", so
	// that the Questionnaire's url is where it can be fetched. Required.
	BaseURL string

	// RulesDir is the directory the rules are loaded from ("" for the
	// embedded rule set). Logs name rule files within it, as the operator
	// can open them.
	RulesDir string

	// Logger receives the request log (method, route pattern, status,
	// duration), reloads, and failures; never answers or other health
	// data. Nil logs nothing.
	Logger *slog.Logger

	// CORSOrigins are the origins ("https://app.example.org") whose pages
	// may call the service from a browser. Each must match exactly; any
	// other origin gets no CORS header at all.
	CORSOrigins []string

	// CDSHooks, when set, serves CDS Hooks (package cdshooks) under
	// /cds-services. Form is always the rule set in service; empty
	// ServicesURL, FormURL and Logger default to BaseURL +
	// "/cds-services", BaseURL + "/" (the browser form) and Logger.
	CDSHooks *cdshooks.Options
}

// Server serves the JSON API, the browser form, the FHIR endpoints and
// health checks for the rule set in service. It is safe for concurrent
// use.
type Server struct {
	opts     Options
	log      *slog.Logger
	fhirBase string
	cors     map[string]bool
	handler  http.Handler

	// cur is the view of the engine in service, built once per engine.
	cur atomic.Pointer[view]

	mu     sync.Mutex
	reload reloadState
}

// view is what the handlers need of one Engine, built once for it.
type view struct {
	eng *triage.Engine
	// questions indexes the Engine's questions by id.
	questions map[string]triage.Question
	// form is the Engine's FHIR view; formErr why there is none.
	form    *fhir.Form
	formErr error
}

// New checks opts and returns a Server.
func New(opts Options) (*Server, error) {
	if opts.Engine == nil {
		return nil, errors.New("server: Options.Engine is required")
	}
	if err := checkBaseURL(opts.BaseURL); err != nil {
		return nil, err
	}
	s := &Server{
		opts:     opts,
		log:      orDiscard(opts.Logger),
		fhirBase: strings.TrimSuffix(opts.BaseURL, "/") + "/fhir",
		cors:     map[string]bool{},
	}
	for _, o := range opts.CORSOrigins {
		if err := checkOrigin(o); err != nil {
			return nil, err
		}
		s.cors[o] = true
	}
	var cds http.Handler
	if opts.CDSHooks != nil {
		svc, err := cdshooks.New(s.cdsOptions(*opts.CDSHooks))
		if err != nil {
			return nil, fmt.Errorf("server: CDS Hooks: %w", err)
		}
		cds = svc.Handler()
	}
	s.handler = s.routes(cds)
	return s, nil
}

// cdsOptions completes the CDS Hooks options from the Server's.
func (s *Server) cdsOptions(o cdshooks.Options) cdshooks.Options {
	base := strings.TrimSuffix(s.opts.BaseURL, "/")
	o.Form = func() (*fhir.Form, error) {
		if v := s.view(); v != nil {
			return v.form, v.formErr
		}
		return nil, nil
	}
	if o.ServicesURL == "" {
		o.ServicesURL = base + "/cds-services"
	}
	if o.FormURL == "" {
		o.FormURL = base + "/"
	}
	if o.Logger == nil {
		o.Logger = s.log
	}
	return o
}

// checkBaseURL requires an absolute http or https URL without query or
// fragment.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("server: the base URL must be an absolute http or https URL without query or fragment, like https://triage.example.org; got %q", base)
	}
	return nil
}

// checkOrigin requires an origin as browsers send it: scheme://host[:port].
func checkOrigin(o string) error {
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
		return fmt.Errorf("server: a CORS origin is scheme://host[:port] exactly as a browser sends it, like https://app.example.org; got %q", o)
	}
	return nil
}

// Handler returns the service's routes, with the request log, security
// headers and CORS around them.
func (s *Server) Handler() http.Handler { return s.handler }

// routes builds the mux; cds is the CDS Hooks handler, nil for none.
func (s *Server) routes(cds http.Handler) http.Handler {
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /questionnaire", s.withView(s.questionnaire))
	mux.HandleFunc("POST /triage", s.withView(s.triage))
	mux.HandleFunc("POST /next", s.withView(s.next))
	mux.HandleFunc("GET /fhir/Questionnaire/{id}", s.withView(s.fhirQuestionnaire))
	mux.HandleFunc("POST /fhir/Questionnaire/$next-question", s.withView(s.fhirNextQuestion))
	mux.HandleFunc("POST /fhir/QuestionnaireResponse/$triage", s.withView(s.fhirTriage))
	mux.HandleFunc("GET /fhir/", s.fhirNotFound)
	mux.HandleFunc("POST /fhir/", s.fhirNotFound)
	if cds != nil {
		// Method by method: a pattern for every method would conflict
		// with "GET /". The service answers its own 405s for GET /{id}.
		for _, p := range []string{"GET /cds-services", "GET /cds-services/", "POST /cds-services", "POST /cds-services/"} {
			mux.Handle(p, cds)
		}
	}
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	return s.chain(mux)
}

// chain wraps h in what every request goes through: the request log,
// security headers and CORS.
func (s *Server) chain(h http.Handler) http.Handler {
	return s.logRequests(s.securityHeaders(s.withCORS(h)))
}

// view returns the view of the engine in service, building it when the
// engine has changed; nil when there is no engine yet.
func (s *Server) view() *view {
	eng := s.opts.Engine()
	if eng == nil {
		return nil
	}
	if v := s.cur.Load(); v != nil && v.eng == eng {
		return v
	}
	v := &view{eng: eng, questions: map[string]triage.Question{}}
	for _, q := range eng.Questions() {
		v.questions[q.ID] = q
	}
	v.form, v.formErr = fhir.New(eng, fhir.Options{BaseURL: s.fhirBase, Now: time.Now})
	if v.formErr != nil {
		v.form = nil
	}
	// Two requests may build the same view at once; either copy is right,
	// and the last stored is kept.
	s.cur.Store(v)
	return v
}

// withView calls h with the view of the engine in service, which it uses
// from start to end, or answers 503 when no rule set is in service.
func (s *Server) withView(h func(http.ResponseWriter, *http.Request, *view)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v := s.view()
		if v == nil {
			if strings.HasPrefix(r.URL.Path, "/fhir/") {
				writeOutcome(w, http.StatusServiceUnavailable, "transient", "No rule set is in service yet; try again shortly.")
				return
			}
			writeJSON(w, http.StatusServiceUnavailable, errorResponse{Error: "no rule set is in service yet; try again shortly"})
			return
		}
		h(w, r, v)
	}
}

// contentSecurityPolicy keeps the page to its own scripts, styles and
// requests, forbids framing it (a health form must not be overlaid by
// another site's page), a <base> that would redirect its relative URLs,
// and form submissions elsewhere.
const contentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// hstsMaxAge is the Strict-Transport-Security value: a year, for this host
// only (other hosts of the domain are not this service's to decide).
const hstsMaxAge = "max-age=31536000"

// securityHeaders sets the security headers of every response. HSTS goes
// with a request that came over TLS, or to a service whose BaseURL is
// https (TLS ended by a proxy in front of it); browsers ignore it over
// plain HTTP.
func (s *Server) securityHeaders(h http.Handler) http.Handler {
	base, _ := url.Parse(s.opts.BaseURL) // checked by New
	https := base.Scheme == "https"
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if https || r.TLS != nil {
			w.Header().Set("Strict-Transport-Security", hstsMaxAge)
		}
		h.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
	// aborted is set when a handler panicked after its response began.
	aborted bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs each request's method, route pattern, status and
// duration: never its path's query, headers or body, which may hold
// health data or patient ids. A panic is recovered here (see recovered).
func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				s.recovered(rec, r, v)
			}
			s.logRequest(r, rec.status, start)
			if rec.aborted {
				// The response had begun: cut the connection, so that the
				// client cannot take a truncated body for a whole one.
				panic(http.ErrAbortHandler)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}

// recovered answers a request whose handler panicked with v: a 500 with no
// verdict, or, when the response has begun, a cut connection. It logs the
// route and the stack, never v, which could be an answer or hold one.
func (s *Server) recovered(rec *statusRecorder, r *http.Request, v any) {
	if v == http.ErrAbortHandler { // a handler's own way to cut the response
		rec.aborted = true
		return
	}
	s.log.Error("a request failed unexpectedly; no verdict was given", "problem", "panic", "route", route(r), "stack", stackWithoutArgs(debug.Stack()))
	if rec.status != 0 {
		rec.aborted = true
		return
	}
	if strings.HasPrefix(r.URL.Path, "/fhir/") {
		writeOutcome(rec, http.StatusInternalServerError, "exception", "The request failed unexpectedly; no verdict could be given.")
		return
	}
	writeJSON(rec, http.StatusInternalServerError, errorResponse{Error: "internal error; no verdict could be given"})
}

// logRequest writes the request's log line.
func (s *Server) logRequest(r *http.Request, status int, start time.Time) {
	if status == 0 {
		status = http.StatusOK
	}
	s.log.Info("request", "method", r.Method, "route", route(r), "status", status,
		"duration_ms", float64(time.Since(start).Microseconds())/1e3)
}

// route is the pattern the mux matched for r, set on this very request.
func route(r *http.Request) string {
	if r.Pattern == "" {
		return "(none)"
	}
	return r.Pattern
}

// stackWithoutArgs is a goroutine stack with each call's argument words
// cut: they are raw memory, and an integer answer passed by value would
// be there in hexadecimal.
func stackWithoutArgs(stack []byte) string {
	lines := strings.Split(strings.TrimSpace(string(stack)), "\n")
	for i, l := range lines {
		if open := strings.LastIndexByte(l, '('); open > 0 && !strings.HasPrefix(l, "\t") && strings.HasSuffix(l, ")") {
			lines[i] = l[:open] + "(...)"
		}
	}
	return strings.Join(lines, "\n")
}

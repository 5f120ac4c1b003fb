package cdshooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/redflagkit/redflag/fhir"
)

// DefaultID is the service id used when Options.ID is empty.
const DefaultID = "redflag-patient-view"

// Options configure a Service.
type Options struct {
	// Form returns the form in service now; it is called once per request,
	// so that a hot reload can swap it. It is required. A nil *fhir.Form
	// with a nil error means no rule set is loaded yet, and requests get
	// 503; with an error, a rule set is loaded but has no FHIR form (an
	// ask_if R4 cannot express, say), and requests get 500 saying so.
	Form func() (*fhir.Form, error)
	// ID is the service's id, the {id} in /cds-services/{id}. Default
	// DefaultID.
	ID string
	// ServicesURL is the absolute URL of the discovery endpoint as clients
	// call it, ending in /cds-services, such as
	// "https://cds.example.org/cds-services". A token's aud must name the
	// endpoint called: ServicesURL for discovery, ServicesURL + "/" + ID
	// for the service. Required unless Insecure.
	ServicesURL string
	// FormURL is the absolute URL of the questionnaire form, linked from
	// cards for incomplete answers. Optional.
	FormURL string
	// Issuers maps each trusted issuer (a token's iss) to its JSON Web Key
	// Set, as the bytes of a JWKS file. A token is verified only against
	// its own issuer's keys. At least one is required unless Insecure.
	Issuers map[string][]byte
	// Insecure accepts requests that carry no token, for development
	// only; New logs a warning. A token that is sent is still checked.
	Insecure bool
	// Logger receives one record per request, with no health data.
	// Default slog.Default().
	Logger *slog.Logger
	// Now is the clock tokens are checked against. Default time.Now.
	Now func() time.Time
}

// Service is a CDS Hooks service for a redflag form. It is an http.Handler
// and safe for concurrent use.
type Service struct {
	id, servicesURL, formURL string
	insecure                 bool
	form                     func() (formView, error)
	parse                    func([]byte) (*fhir.QuestionnaireResponse, error)
	verifier                 *verifier
	log                      *slog.Logger
	now                      func() time.Time
	mux                      *http.ServeMux
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// New checks opts and returns the Service. It fails on a missing Form, an
// invalid id or URL, a JWKS that cannot be read or holds a key that is not
// a public signing key, and, unless Insecure, on no trusted issuer.
func New(opts Options) (*Service, error) {
	s := &Service{id: opts.ID, formURL: opts.FormURL, insecure: opts.Insecure, log: opts.Logger, now: opts.Now, parse: parseResponse}
	if opts.Form == nil {
		return nil, errors.New("cdshooks: Options.Form is required")
	}
	s.form = func() (formView, error) {
		f, err := opts.Form()
		if f == nil { // a nil *fhir.Form must not become a non-nil formView
			return nil, err
		}
		return f, nil
	}
	if s.id == "" {
		s.id = DefaultID
	}
	if !idPattern.MatchString(s.id) {
		return nil, fmt.Errorf("cdshooks: Options.ID %q: use letters, digits, '.', '_' and '-' (at most 64)", s.id)
	}
	if err := s.setURLs(opts); err != nil {
		return nil, err
	}
	if err := s.setTrust(opts); err != nil {
		return nil, err
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.verifier.now = s.now
	if s.insecure {
		s.log.Warn("CDS HOOKS AUTHENTICATION IS OFF: requests without a token are accepted. Never use Insecure with real patients.", "service", s.id)
	}
	s.routes()
	return s, nil
}

func (s *Service) setURLs(opts Options) error {
	if opts.ServicesURL != "" {
		u, err := url.Parse(opts.ServicesURL)
		if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("cdshooks: Options.ServicesURL %q: want an absolute URL such as https://cds.example.org/cds-services", opts.ServicesURL)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && opts.Insecure) {
			return fmt.Errorf("cdshooks: Options.ServicesURL %q: CDS Hooks requires https (http only with Insecure)", opts.ServicesURL)
		}
		s.servicesURL = strings.TrimSuffix(opts.ServicesURL, "/")
		if !strings.HasSuffix(s.servicesURL, "/cds-services") {
			return fmt.Errorf("cdshooks: Options.ServicesURL %q: the discovery endpoint's URL ends in /cds-services", opts.ServicesURL)
		}
	}
	if opts.FormURL != "" && absoluteURL(opts.FormURL) == "" {
		return fmt.Errorf("cdshooks: Options.FormURL %q: want an absolute http or https URL", opts.FormURL)
	}
	return nil
}

func (s *Service) setTrust(opts Options) error {
	issuers, err := parseIssuers(opts.Issuers)
	if err != nil {
		return err
	}
	if !opts.Insecure {
		if len(issuers) == 0 {
			return errors.New("cdshooks: Options.Issuers is empty: no client could call the service (set Insecure for development without tokens)")
		}
		if s.servicesURL == "" {
			return errors.New("cdshooks: Options.ServicesURL is required to check a token's aud")
		}
	}
	s.verifier = &verifier{issuers: issuers, seen: newReplayCache(maxRemembered)}
	return nil
}

// Handler returns s as an http.Handler.
func (s *Service) Handler() http.Handler { return s }

// ServeHTTP serves GET /cds-services and POST /cds-services/{id}.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Service) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /cds-services", s.discovery)
	s.mux.HandleFunc("POST /cds-services/{id}", s.call)
	s.mux.HandleFunc("/cds-services", methodNotAllowed("GET"))
	s.mux.HandleFunc("/cds-services/{id}", methodNotAllowed("POST"))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such CDS Hooks endpoint; discovery is at /cds-services")
	})
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "use "+allow+" here")
	}
}

// authenticate checks the request's token for the endpoint at aud and
// answers 401 (or 503) when it is refused.
func (s *Service) authenticate(w http.ResponseWriter, r *http.Request, aud string) bool {
	if s.insecure && len(r.Header.Values("Authorization")) == 0 {
		return true
	}
	err := s.verifier.verify(r, aud)
	if err == nil {
		return true
	}
	if errors.Is(err, errBusy) {
		s.log.Warn("cds hooks token refused", "service", s.id, "status", http.StatusServiceUnavailable, "reason", err.Error())
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, err.Error())
		return false
	}
	s.log.Warn("cds hooks token refused", "service", s.id, "status", http.StatusUnauthorized, "reason", err.Error())
	w.Header().Set("WWW-Authenticate", `Bearer realm="cds-services", error="invalid_token"`)
	if len(r.Header.Values("Authorization")) == 0 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cds-services"`)
	}
	writeError(w, http.StatusUnauthorized, "this CDS Hooks service needs a valid token: "+err.Error())
	return false
}

// errorBody is every error's JSON body.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := encode(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"the response could not be written"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// encode marshals v as one line of JSON, leaving <, > and & as they are
// (the body is JSON for a client, never HTML).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"

	"github.com/redflagkit/redflag/triage"
)

// maxBody bounds every request body. A complete answers object for the
// default rule set is well under 2 KiB.
const maxBody = 64 << 10

//go:embed static
var static embed.FS

// server serves the questionnaire API and the browser form. It holds only
// the shared, immutable Engine, so it is safe for concurrent requests.
type server struct {
	eng *triage.Engine
	log *slog.Logger
}

// newHandler returns the service's routes:
//
//	GET  /               the browser form (static/)
//	GET  /questionnaire  the rule set, its questions and the notice
//	POST /triage         answers in, verdict out
//	POST /next           answers (and skipped questions) in, the next question or the verdict out
func newHandler(eng *triage.Engine, log *slog.Logger) http.Handler {
	s := &server{eng: eng, log: log}
	files, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(files))
	mux.HandleFunc("GET /questionnaire", s.questionnaire)
	mux.HandleFunc("POST /triage", s.triage)
	mux.HandleFunc("POST /next", s.next)
	return securityHeaders(mux)
}

// securityHeaders keeps the page to its own scripts and styles.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// questionnaireResponse is the body of GET /questionnaire.
type questionnaireResponse struct {
	RuleSet   triage.RuleSetInfo `json:"rule_set"`
	Questions []triage.Question  `json:"questions"`
	Sources   []triage.Source    `json:"sources"`
	Notice    string             `json:"notice"`
}

func (s *server) questionnaire(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, questionnaireResponse{
		RuleSet: s.eng.RuleSet(), Questions: s.eng.Questions(), Sources: s.eng.Sources(), Notice: triage.Disclaimer,
	})
}

// readBody reads the whole request body, at most maxBody bytes. Reading it
// before decoding keeps "too large" (413) apart from "not valid" (400).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
}

func (s *server) triage(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := triage.ParseAnswers(body)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, err := s.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// nextRequest is the body of POST /next. Skip lists questions the person
// chose not to answer: they stay unanswered (unknown, never "no") and are
// not asked again.
type nextRequest struct {
	Answers json.RawMessage `json:"answers"`
	Skip    []string        `json:"skip"`
}

// nextResponse is the body of a successful POST /next: the question to ask,
// or, when nothing is left to ask, the verdict.
type nextResponse struct {
	Done     bool             `json:"done"`
	Question *triage.Question `json:"question,omitempty"`
	Verdict  *triage.Verdict  `json:"verdict,omitempty"`
}

func (s *server) next(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req nextRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		s.fail(w, r, fmt.Errorf("%w: want {\"answers\": {...}, \"skip\": [...]}: %v", triage.ErrInvalidAnswers, err))
		return
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		s.fail(w, r, fmt.Errorf("%w: unexpected data after the request object", triage.ErrInvalidAnswers))
		return
	}
	answers := triage.Answers{}
	if len(req.Answers) > 0 && string(req.Answers) != "null" {
		a, err := triage.ParseAnswers(req.Answers) // exact numbers, no duplicate keys
		if err != nil {
			s.fail(w, r, err)
			return
		}
		answers = a
	}
	var bad triage.AnswerErrors
	for _, id := range req.Skip {
		if _, ok := s.eng.Question(id); !ok {
			bad = append(bad, &triage.AnswerError{Question: id, Msg: "skipped question does not exist"})
		}
	}
	if len(bad) > 0 {
		s.fail(w, r, bad)
		return
	}

	// Evaluate first: it validates the answers, and Missing, in Next's
	// order, is what to ask; skipped questions are passed over.
	v, err := s.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(req.Skip) == 0 {
		q, ok, err := s.eng.Next(r.Context(), answers)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if ok {
			writeJSON(w, http.StatusOK, nextResponse{Question: &q})
			return
		}
	} else {
		for _, id := range v.Missing {
			if !slices.Contains(req.Skip, id) {
				q, _ := s.eng.Question(id)
				writeJSON(w, http.StatusOK, nextResponse{Question: &q})
				return
			}
		}
	}
	writeJSON(w, http.StatusOK, nextResponse{Done: true, Verdict: v})
}

// errorResponse is the body of every error: a message and, for answers
// that do not fit the questionnaire, one entry per offending question, as
// triage.AnswerErrors names them.
type errorResponse struct {
	Error  string        `json:"error"`
	Errors []answerError `json:"errors,omitempty"`
}

type answerError struct {
	Question string `json:"question"`
	Message  string `json:"message"`
}

// fail writes err as JSON with a status that says whose fault it is. An
// error never comes with a verdict.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		tooLarge *http.MaxBytesError
		aerrs    triage.AnswerErrors
	)
	switch {
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse{Error: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)})
	case errors.As(err, &aerrs):
		resp := errorResponse{Error: "invalid answers"}
		for _, e := range aerrs {
			resp.Errors = append(resp.Errors, answerError{Question: e.Question, Message: e.Msg})
		}
		writeJSON(w, http.StatusBadRequest, resp)
	case errors.Is(err, triage.ErrInvalidAnswers):
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: err.Error()})
	case r.Context().Err() != nil:
		// The client went away or the server is shutting down.
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{Error: "request cancelled"})
	case r.Context().Err() == nil && !errors.Is(err, triage.ErrEvaluation):
		// Reading the request failed (a broken connection, a timeout).
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: "cannot read the request: " + err.Error()})
	default:
		// A rule failed at run time: the rules need fixing, and the person
		// gets no verdict rather than a wrong one.
		s.log.Error("evaluation failed", "path", r.URL.Path, "err", err)
		writeJSON(w, http.StatusInternalServerError, errorResponse{Error: "evaluation failed; no verdict could be given"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"cannot encode the response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

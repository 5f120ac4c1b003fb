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
	"mime"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
	// questions indexes the Engine's questions by id.
	questions map[string]triage.Question
	dir       string // the rule directory as given on the command line; "" for the embedded rules
	log       *slog.Logger
}

// newHandler returns the service's routes:
//
//	GET  /               the browser form (static/)
//	GET  /questionnaire  the rule set, its questions and the notice
//	POST /triage         answers in, verdict out
//	POST /next           answers (and skipped questions) in, the next question (needed or optional) or the verdict out
//
// dir is the directory the rules were loaded from ("" for the embedded
// rule set); logs name rule files within it.
func newHandler(eng *triage.Engine, dir string, log *slog.Logger) http.Handler {
	s := &server{eng: eng, questions: map[string]triage.Question{}, dir: dir, log: log}
	for _, q := range eng.Questions() {
		s.questions[q.ID] = q
	}
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

// errorWriteTime is how long an error about a body that could not be read
// gets to reach the client.
const errorWriteTime = 5 * time.Second

// readBody checks that the request says it carries JSON, then reads the
// whole body, at most maxBody bytes. Reading it before decoding keeps "too
// large" (413) apart from "not valid" (400).
//
// A body that stops arriving runs into the server's ReadTimeout. That is a
// 408, so the client knows to send it again; any other read failure is a
// 400. Either way the client is told: the write deadline, which expires
// with the read deadline, is pushed back so that the error can be written,
// and the connection is closed after it, its body being unread.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := checkJSON(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		return body, nil
	}
	if errors.As(err, new(*http.MaxBytesError)) {
		return nil, err
	}
	// Not every ResponseWriter has deadlines (a test recorder has none);
	// without one there is nothing to push back.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(errorWriteTime))
	w.Header().Set("Connection", "close")
	var netErr net.Error
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout() {
		return nil, &requestError{status: http.StatusRequestTimeout, msg: "the request body did not arrive in time; send the request again"}
	}
	return nil, badRequest("cannot read the request body: %v", err)
}

// checkJSON refuses a body that is not declared as application/json (in
// UTF-8, the only encoding JSON has). Browsers send text/plain, form and
// multipart bodies to another site without asking it first (a "simple"
// request); application/json needs the site's consent, which this service
// never gives, so a page elsewhere cannot post answers here.
func checkJSON(contentType string) error {
	const want = "send the body as JSON, with the header Content-Type: application/json"
	refuse := func(format string, args ...any) error {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: want + " " + fmt.Sprintf(format, args...)}
	}
	if contentType == "" {
		return refuse("(it had none)")
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || mediaType != "application/json" {
		return refuse("(it had %s)", quote(contentType))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return refuse("in UTF-8 (it had charset %s)", quote(cs))
	}
	return nil
}

func (s *server) triage(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := s.eng.DecodeAnswers(bytes.NewReader(body))
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

// nextResponse is the body of a successful POST /next: the question to ask,
// or, when nothing is left to ask, the verdict. Optional is true for a
// question asked after the outcome is decided as self-care: its answer can
// add a caution but cannot change the outcome, so the form marks it as
// optional and skippable.
//
// Remaining, with a question, is how many questions of its kind are still
// to ask, this one included: the needed ones (Verdict.Missing) or, for an
// optional question, the optional ones (Verdict.Optional), less those
// skipped. It comes from the questionnaire's structure as it stands, so it
// is an estimate for a progress cue, never a promise: an answer can make a
// follow-up askable, and a red flag ends the questions at once.
type nextResponse struct {
	Done      bool             `json:"done"`
	Question  *triage.Question `json:"question,omitempty"`
	Optional  bool             `json:"optional,omitempty"`
	Remaining int              `json:"remaining,omitempty"`
	Verdict   *triage.Verdict  `json:"verdict,omitempty"`
}

// next reads {"answers": {...}, "skip": [...]}. Skip lists questions the
// person chose not to answer: they stay unanswered (unknown, never "no")
// and are not asked again.
//
// It asks first what can change the outcome (Verdict.Missing, in Next's
// order); once the outcome is self-care, the questions that could still
// add a caution (Verdict.Optional), flagged optional. A red flag ends the
// questions at once.
func (s *server) next(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(w, r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fields, err := decodeObject(body, `{"answers": {...}, "skip": [...]}`, "answers", "skip")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers := triage.Answers{}
	if raw, ok := fields["answers"]; ok && string(raw) != "null" {
		// The engine's own decoder: exact numbers, exact question ids, no
		// duplicate keys, and the engine's limits.
		if answers, err = s.eng.DecodeAnswers(bytes.NewReader(raw)); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	skip, err := decodeSkip(fields["skip"])
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var bad triage.AnswerErrors
	for _, id := range skip {
		if _, ok := s.questions[id]; !ok {
			bad = append(bad, &triage.AnswerError{Question: id, Msg: "skipped question does not exist"})
		}
	}
	if len(bad) > 0 {
		s.fail(w, r, bad)
		return
	}

	// One evaluation: it validates the answers, Missing (Next's order) is
	// what to ask, then, for self-care, Optional; skipped questions are
	// passed over.
	v, err := s.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q, ok := s.firstNotSkipped(v.Missing, skip); ok {
		writeJSON(w, http.StatusOK, nextResponse{Question: &q, Remaining: notSkipped(v.Missing, skip)})
		return
	}
	if v.Outcome == triage.SelfCare {
		if q, ok := s.firstNotSkipped(v.Optional, skip); ok {
			writeJSON(w, http.StatusOK, nextResponse{Question: &q, Optional: true, Remaining: notSkipped(v.Optional, skip)})
			return
		}
	}
	writeJSON(w, http.StatusOK, nextResponse{Done: true, Verdict: v})
}

// firstNotSkipped returns the first question of ids that is not in skip.
func (s *server) firstNotSkipped(ids, skip []string) (triage.Question, bool) {
	for _, id := range ids {
		if !slices.Contains(skip, id) {
			q, ok := s.questions[id]
			return q, ok
		}
	}
	return triage.Question{}, false
}

// notSkipped counts the questions of ids that are not in skip.
func notSkipped(ids, skip []string) int {
	n := 0
	for _, id := range ids {
		if !slices.Contains(skip, id) {
			n++
		}
	}
	return n
}

// requestError is a request refused before any answer is looked at: its
// body is not the JSON object the route reads, or could not be read.
type requestError struct {
	status int
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &requestError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// decodeObject reads body as exactly one JSON object whose keys are among
// fields, spelt exactly, each at most once, followed by nothing but white
// space, and returns each field's raw value for a strict decoder of its
// own. shape shows the expected object in error messages.
//
// encoding/json cannot do this: unmarshalling into a struct keeps the last
// of two equal keys and matches keys regardless of case, so
// {"answers": {red flags}, "Answers": {no red flags}} would read as the
// second object. Hence the walk token by token.
func decodeObject(body []byte, shape string, fields ...string) (map[string]json.RawMessage, error) {
	fail := func(format string, args ...any) error {
		return badRequest("the request must be one JSON object like %s: %s", shape, fmt.Sprintf(format, args...))
	}
	malformed := func(err error) error {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fail("malformed JSON: the body ends before the object does")
		}
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return fail("malformed JSON at byte %d: %v", syntax.Offset, err)
		}
		return fail("malformed JSON: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, fail("the body is empty")
	}
	if err != nil {
		return nil, malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fail("got %s", describeToken(tok))
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		key, _ := tok.(string) // the decoder only gives strings as keys
		if !slices.Contains(fields, key) {
			return nil, fail("unknown field %s (%s)", quote(key), fieldHint(key, fields))
		}
		if _, dup := out[key]; dup {
			return nil, fail("%s appears twice; give it once", quote(key))
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, malformed(err)
		}
		out[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail("unexpected data after the request object")
	}
	return out, nil
}

// fieldHint suggests the field a misspelt key was meant to be.
func fieldHint(key string, fields []string) string {
	for _, f := range fields {
		if strings.EqualFold(key, f) {
			return fmt.Sprintf("field names are case-sensitive: did you mean %q?", f)
		}
	}
	quoted := make([]string, len(fields))
	for i, f := range fields {
		quoted[i] = strconv.Quote(f)
	}
	return "the fields are " + strings.Join(quoted, ", ")
}

// decodeSkip reads the skip field of POST /next: absent, null, or a list of
// question ids.
func decodeSkip(raw json.RawMessage) ([]string, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	fail := badRequest(`"skip" must be a list of question ids, like ["fever"]`)
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fail
	}
	ids := make([]string, len(items))
	for i, item := range items {
		// Unmarshal would read null as "" without complaint.
		if len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &ids[i]) != nil {
			return nil, fail
		}
	}
	return ids, nil
}

// describeToken names the kind of a JSON value from its first token.
func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return string(t)
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// quote quotes s for an error message, cut to a short prefix: the message
// names the bad input, it does not repeat all of it.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(string([]rune(s)[:max])) + "…"
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
	// Position says where a JSON answers document went wrong, when it
	// could not be read.
	Position *answerPosition `json:"position,omitempty"`
}

type answerPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// fail writes err as JSON with a status that says whose fault it is. An
// error never comes with a verdict.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		reqErr   *requestError
		tooLarge *http.MaxBytesError
		aerrs    triage.AnswerErrors
	)
	switch {
	case errors.As(err, &reqErr):
		writeJSON(w, reqErr.status, errorResponse{Error: reqErr.msg})
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse{Error: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)})
	case errors.As(err, &aerrs):
		resp := errorResponse{Error: aerrs.Error()}
		for _, e := range aerrs {
			ae := answerError{Question: e.Question, Message: e.Msg}
			if e.Line > 0 {
				ae.Position = &answerPosition{Line: e.Line, Column: e.Column, Offset: e.Offset}
			}
			resp.Errors = append(resp.Errors, ae)
		}
		writeJSON(w, http.StatusBadRequest, resp)
	case errors.Is(err, triage.ErrInvalidAnswers):
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: err.Error()})
	case r.Context().Err() != nil:
		// The client went away or the server is shutting down.
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{Error: "request cancelled"})
	default:
		// A rule failed at run time: the rules need fixing, and the person
		// gets no verdict rather than a wrong one.
		s.log.Error("evaluation failed", "path", r.URL.Path, "err", s.located(err))
		writeJSON(w, http.StatusInternalServerError, errorResponse{Error: "evaluation failed; no verdict could be given"})
	}
}

// located returns err with the rule file of an EvalError named with its
// directory, as the operator knows it.
func (s *server) located(err error) error {
	var evalErr *triage.EvalError
	if s.dir == "" || !errors.As(err, &evalErr) {
		return err
	}
	c := *evalErr // the engine's error is left as it is
	c.Pos.File = inDir(s.dir, c.Pos.File)
	return &c
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

package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redflagkit/redflag/internal/httpbody"
)

// Body limits. A complete answers object for the default rule set is well
// under 2 KiB; a QuestionnaireResponse carries its Questionnaire
// (contained, for $next-question), about 30 KiB for the default rule set.
const (
	maxBody     = 64 << 10
	maxFHIRBody = 1 << 20
)

// bodyKind is what a route accepts: its media types (the first is the one
// error messages ask for) and its size limit.
type bodyKind struct {
	types []string
	want  string // how an error message asks for the body
	limit int64
}

var (
	jsonBody = bodyKind{
		types: []string{"application/json"},
		want:  "send the body as JSON, with the header Content-Type: application/json",
		limit: maxBody,
	}
	fhirBody = bodyKind{
		types: []string{"application/fhir+json", "application/json"},
		want:  "send the body as FHIR JSON, with the header Content-Type: application/fhir+json (or application/json)",
		limit: maxFHIRBody,
	}
)

// readBody checks that the request says it carries a media type of kind,
// then reads the whole body, at most kind.limit bytes. Reading it before
// decoding keeps "too large" (413) apart from "not valid" (400).
//
// A body that stops arriving runs into the server's ReadTimeout. That is a
// 408, so the client knows to send it again; any other read failure is a
// 400. Either way the client is told before the connection closes (see
// httpbody.Read).
func readBody(w http.ResponseWriter, r *http.Request, kind bodyKind) ([]byte, error) {
	if err := kind.check(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	body, err := httpbody.Read(w, r, kind.limit)
	var readErr *httpbody.ReadError
	switch {
	case errors.As(err, &readErr) && readErr.Timeout:
		return nil, &requestError{status: http.StatusRequestTimeout, msg: "the request body did not arrive in time; send the request again"}
	case errors.As(err, &readErr):
		return nil, badRequest("cannot read the request body: %v", readErr.Err)
	}
	return body, err
}

// check refuses a body that is not declared as one of kind's media types
// (in UTF-8, the only encoding JSON has). Browsers send text/plain, form
// and multipart bodies to another site without asking it first (a "simple"
// request); a JSON media type needs the site's consent, which this service
// gives only to the origins it is configured with, so a page elsewhere
// cannot post answers here.
func (kind bodyKind) check(contentType string) error {
	refuse := func(format string, args ...any) error {
		return &requestError{status: http.StatusUnsupportedMediaType, msg: kind.want + " " + fmt.Sprintf(format, args...)}
	}
	if contentType == "" {
		return refuse("(it had none)")
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil || !slices.Contains(kind.types, mediaType) {
		return refuse("(it had %s)", quote(contentType))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return refuse("in UTF-8 (it had charset %s)", quote(cs))
	}
	return nil
}

// requestError is a request refused before any answer is looked at: its
// body is not what the route reads, or could not be read.
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
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, fail("the body is empty")
	}
	if err != nil {
		return nil, malformed(fail, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fail("got %s", describeToken(tok))
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(fail, err)
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
			return nil, malformed(fail, err)
		}
		out[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, malformed(fail, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fail("unexpected data after the request object")
	}
	return out, nil
}

// malformed describes a JSON syntax error through fail.
func malformed(fail func(string, ...any) error, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fail("malformed JSON: the body ends before the object does")
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fail("malformed JSON at byte %d: %v", syntax.Offset, err)
	}
	return fail("malformed JSON: %v", err)
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

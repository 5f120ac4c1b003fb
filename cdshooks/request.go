package cdshooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"

	"github.com/redflagkit/redflag/internal/httpbody"
	"github.com/redflagkit/redflag/internal/jsontree"
)

// requestKeys are the keys of a CDS Hooks 2.0 hook call. Keys are
// case-sensitive: "HOOK" is not "hook", and a key this service does not
// know is refused rather than skipped, since skipping it could drop data
// the client meant to send.
var requestKeys = []string{"hook", "hookInstance", "fhirServer", "fhirAuthorization", "context", "prefetch", "extension"}

// contextKeys are the keys of patient-view's context.
var contextKeys = []string{"userId", "patientId", "encounterId"}

// decodeRequest reads and checks a hook call's body. A body that stops
// arriving is a 408, written before the connection closes.
func decodeRequest(w http.ResponseWriter, r *http.Request) (*Request, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return nil, &requestError{status: http.StatusUnsupportedMediaType, kind: "content_type", msg: "send the hook call as application/json"}
		}
	}
	data, err := httpbody.Read(w, r, maxBody)
	var (
		tooBig  *http.MaxBytesError
		readErr *httpbody.ReadError
	)
	switch {
	case errors.As(err, &tooBig):
		return nil, &requestError{status: http.StatusRequestEntityTooLarge, kind: "too_large", msg: fmt.Sprintf("the request is larger than %d bytes", maxBody)}
	case errors.As(err, &readErr) && readErr.Timeout:
		// A body that stopped arriving: the client may send it again.
		return nil, &requestError{status: http.StatusRequestTimeout, kind: "timeout", msg: "the request body did not arrive in time; send the request again"}
	case err != nil:
		return nil, badRequest("unreadable", "the request could not be read")
	}
	return parseRequest(data)
}

// parseRequest reads a hook call strictly: one JSON object, no duplicate
// keys, only the specification's keys, each of the right kind.
func parseRequest(data []byte) (*Request, error) {
	root, err := jsontree.Parse(data)
	if err != nil {
		return nil, malformed(data, err, "the request is not a CDS Hooks call in JSON")
	}
	req := &Request{}
	if err := readObject(data, root, "the request", requestKeys, func(k string, v *jsontree.Node) error {
		return req.set(data, k, v)
	}); err != nil {
		return nil, err
	}
	switch {
	case req.Hook != hook:
		return nil, badRequest("hook", "this service answers the %s hook, not %q", hook, req.Hook)
	case !uuidPattern.MatchString(req.HookInstance):
		return nil, badRequest("hook_instance", "hookInstance must be a UUID, such as d1577c69-dfbe-44ad-ba6d-3e05e953b2ea")
	case req.Context == nil:
		return nil, badRequest("context", "the request has no context")
	}
	for _, k := range []string{"userId", "patientId"} {
		var s string
		if err := json.Unmarshal(req.Context[k], &s); err != nil || s == "" {
			return nil, badRequest("context", "patient-view's context.%s is required and must be a non-empty string", k)
		}
		if k == "patientId" {
			req.patientID = s
		}
	}
	return req, nil
}

// set reads the request's key k.
func (req *Request) set(data []byte, k string, v *jsontree.Node) error {
	raw := json.RawMessage(data[v.Start:v.End])
	switch k {
	case "hook", "hookInstance", "fhirServer":
		if v.Kind != '"' {
			return positioned(data, v.Start, "%s must be a string, not %s", k, jsontree.KindName(v.Kind))
		}
		switch k {
		case "hook":
			req.Hook = v.Str
		case "hookInstance":
			req.HookInstance = v.Str
		default:
			req.FHIRServer = v.Str
		}
	case "fhirAuthorization":
		req.FHIRAuthorization = raw
	case "context":
		req.Context = map[string]json.RawMessage{}
		return readObject(data, v, "context", contextKeys, func(ck string, cv *jsontree.Node) error {
			req.Context[ck] = json.RawMessage(data[cv.Start:cv.End])
			return nil
		})
	case "prefetch":
		if v.Kind == 'n' {
			return nil
		}
		req.Prefetch = map[string]json.RawMessage{}
		return readObject(data, v, "prefetch", []string{prefetchKey}, func(pk string, pv *jsontree.Node) error {
			req.Prefetch[pk] = json.RawMessage(data[pv.Start:pv.End])
			return nil
		})
	}
	return nil
}

// readObject calls each for every key of the object n, refusing a key not
// in known.
func readObject(data []byte, n *jsontree.Node, what string, known []string, each func(string, *jsontree.Node) error) error {
	if n.Kind != '{' {
		return positioned(data, n.Start, "%s must be a JSON object, not %s", what, jsontree.KindName(n.Kind))
	}
	for i, k := range n.Keys {
		if !slices.Contains(known, k) {
			return positioned(data, n.KeyAt[i], "%q is not a key of %s (keys are case-sensitive; known: %v)", k, what, known)
		}
		if err := each(k, n.Vals[i]); err != nil {
			return err
		}
	}
	return nil
}

// positioned is a 400 naming the line and column of off in data.
func positioned(data []byte, off int, format string, args ...any) *requestError {
	line, col := jsontree.LineCol(data, off)
	return badRequest("malformed", "line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))
}

// malformed is a 400 for a jsontree error, positioned.
func malformed(data []byte, err error, what string) *requestError {
	var e *jsontree.Error
	if errors.As(err, &e) {
		return positioned(data, e.Off, "%s: %s", what, e.Msg)
	}
	return badRequest("malformed", "%s: %v", what, err)
}

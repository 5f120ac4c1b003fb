package cdshooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/internal/jsontree"
	"github.com/redflagkit/redflag/triage"
)

// prefetchKey is the key of the patient-view service's one prefetch
// template.
const prefetchKey = "questionnaireResponse"

// prefetchTemplate asks for the patient's latest QuestionnaireResponse to
// the Questionnaire whose canonical is given.
func prefetchTemplate(canonical string) string {
	return "QuestionnaireResponse?subject=Patient/{{context.patientId}}&questionnaire=" + queryEscape(canonical) + "&_sort=-authored&_count=1"
}

// queryEscape escapes a canonical for a FHIR search value, keeping it
// readable: only the characters a query value cannot hold as they are.
func queryEscape(s string) string {
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '%', '&', '#', '+', ' ', '|', '=', '{', '}':
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// requestError is a problem with a request: the status to answer with and a
// plain message for the client. kind names the problem in the log, which
// never carries the message (it may quote an answer).
type requestError struct {
	status int
	kind   string
	msg    string
}

func (e *requestError) Error() string { return e.msg }

func badRequest(kind, format string, args ...any) *requestError {
	return &requestError{status: 400, kind: kind, msg: fmt.Sprintf(format, args...)}
}

// formView is what the service needs of a *fhir.Form. It is the one seam
// between CDS Hooks and FHIR: tests stand in for it to check the rest.
type formView interface {
	Engine() *triage.Engine
	Canonical() string
	Answers(*fhir.QuestionnaireResponse) (triage.Answers, error)
}

// Bundle keys, as R4 defines them. A key outside these (a modifierExtension,
// or a key in the wrong case) is refused.
var (
	bundleKeys = []string{"resourceType", "id", "meta", "implicitRules", "language", "identifier", "type", "timestamp", "total", "link", "entry", "signature"}
	entryKeys  = []string{"id", "extension", "link", "fullUrl", "resource", "search", "request", "response"}
	searchKeys = []string{"id", "extension", "mode", "score"}
)

// prefetched returns the raw QuestionnaireResponse the client prefetched,
// or nil when there is none: the key is absent or null, or the search found
// nothing. It reads the Bundle strictly: no duplicate keys, only R4's
// keys, type searchset, and only entries whose search.mode is match (or
// absent) counted as results; included resources and OperationOutcomes are
// skipped.
func prefetched(prefetch map[string]json.RawMessage) (json.RawMessage, error) {
	raw, ok := prefetch[prefetchKey]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	root, err := jsontree.Parse(raw)
	if err != nil {
		return nil, malformed(raw, err, "prefetch."+prefetchKey+" is not a FHIR resource")
	}
	switch rt := resourceType(root); rt {
	case "QuestionnaireResponse":
		return raw, nil
	case "Bundle":
		return fromBundle(raw, root)
	default:
		return nil, badRequest("prefetch", "prefetch.%s is a %q; want a QuestionnaireResponse or a searchset Bundle of them", prefetchKey, rt)
	}
}

// resourceType returns n's resourceType, or "" when it has none.
func resourceType(n *jsontree.Node) string {
	if n.Kind != '{' {
		return ""
	}
	if rt, ok := n.Get("resourceType"); ok && rt.Kind == '"' {
		return rt.Str
	}
	return ""
}

// fromBundle returns the one QuestionnaireResponse a searchset Bundle
// matched, or nil when it matched none.
func fromBundle(raw []byte, root *jsontree.Node) (json.RawMessage, error) {
	var found []json.RawMessage
	var entries *jsontree.Node
	err := readObject(raw, root, "the Bundle", bundleKeys, func(k string, v *jsontree.Node) error {
		switch k {
		case "type":
			if v.Kind != '"' || v.Str != "searchset" {
				return badRequest("prefetch", "prefetch.%s is a Bundle of type %s; the prefetch template is a search, so want searchset", prefetchKey, string(raw[v.Start:v.End]))
			}
		case "entry":
			if v.Kind != '[' {
				return positioned(raw, v.Start, "Bundle.entry must be an array, not %s", jsontree.KindName(v.Kind))
			}
			entries = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if t, ok := root.Get("type"); !ok || t.Kind != '"' {
		return nil, badRequest("prefetch", "prefetch.%s is a Bundle with no type; want searchset", prefetchKey)
	}
	for i, e := range entryNodes(entries) {
		r, err := matched(raw, e, i)
		if err != nil {
			return nil, err
		}
		if r != nil {
			found = append(found, r)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, badRequest("prefetch", "prefetch.%s holds %d QuestionnaireResponses; the template asks for the latest only (_sort=-authored&_count=1)", prefetchKey, len(found))
}

func entryNodes(entries *jsontree.Node) []*jsontree.Node {
	if entries == nil {
		return nil
	}
	return entries.Elems
}

// matched returns entry i's QuestionnaireResponse when the search matched
// it, and nil for an included resource or a search message.
func matched(raw []byte, e *jsontree.Node, i int) (json.RawMessage, error) {
	mode := "match"
	var res *jsontree.Node
	err := readObject(raw, e, fmt.Sprintf("Bundle.entry[%d]", i), entryKeys, func(k string, v *jsontree.Node) error {
		switch k {
		case "resource":
			res = v
		case "search":
			return readObject(raw, v, fmt.Sprintf("Bundle.entry[%d].search", i), searchKeys, func(sk string, sv *jsontree.Node) error {
				if sk == "mode" {
					if sv.Kind != '"' || !slices.Contains([]string{"match", "include", "outcome"}, sv.Str) {
						return positioned(raw, sv.Start, "Bundle.entry[%d].search.mode must be match, include or outcome", i)
					}
					mode = sv.Str
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rt := ""
	if res != nil {
		rt = resourceType(res)
	}
	switch {
	case mode != "match" || rt == "OperationOutcome":
		return nil, nil // an included resource or a search message: not a result
	case rt != "QuestionnaireResponse":
		return nil, badRequest("prefetch", "prefetch.%s.entry[%d] is a %q; want QuestionnaireResponse", prefetchKey, i, rt)
	}
	return json.RawMessage(raw[res.Start:res.End]), nil
}

// readAnswers reads a prefetched QuestionnaireResponse into answers for f,
// refusing one written for another questionnaire or about someone other
// than the patient in view. A response completed through $next-question,
// which names a contained Questionnaire derived from f, is read too.
func readAnswers(f formView, parse func([]byte) (*fhir.QuestionnaireResponse, error), raw []byte, p patient) (triage.Answers, error) {
	qr, err := parse(raw)
	if err != nil {
		return nil, badRequest("invalid_response", "the patient's QuestionnaireResponse cannot be read: %v", err)
	}
	// "#id" names a contained Questionnaire, as a response completed
	// through $next-question does; Answers checks it is derived from f.
	if want := f.Canonical(); qr.Questionnaire != want && !strings.HasPrefix(qr.Questionnaire, "#") {
		return nil, badRequest("other_questionnaire", "the patient's QuestionnaireResponse answers the questionnaire %q, but this service triages %q", qr.Questionnaire, want)
	}
	if err := p.check(qr.Subject); err != nil {
		return nil, err
	}
	a, err := f.Answers(qr)
	if err != nil {
		return nil, badRequest("invalid_response", "the patient's QuestionnaireResponse cannot be read: %v", err)
	}
	return a, nil
}

// patient is the patient in view: context.patientId, and the client's FHIR
// server, against which an absolute reference is resolved.
type patient struct {
	id, fhirServer string
}

// check refuses a response whose subject is not the patient in view: one
// with no subject could be anyone's, and a card about someone else's
// answers shown in this patient's chart is worse than no card. The subject
// must be "Patient/{id}", or that reference made absolute with the
// request's fhirServer.
func (p patient) check(subject *fhir.Reference) error {
	if subject == nil || subject.Reference == "" {
		return badRequest("no_subject", "the prefetched QuestionnaireResponse does not say whose answers it holds (it has no subject.reference), so it cannot be triaged for patient %q", p.id)
	}
	want := "Patient/" + p.id
	ref := subject.Reference
	if p.fhirServer != "" {
		if rel, ok := strings.CutPrefix(ref, strings.TrimSuffix(p.fhirServer, "/")+"/"); ok {
			ref = rel
		}
	}
	if ref != want {
		return badRequest("other_patient", "the prefetched QuestionnaireResponse is about %q, not the patient in view (%s); it was not triaged", subject.Reference, want)
	}
	return nil
}

package cdshooks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/redflagkit/redflag/fhir"
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

// prefetched returns the raw QuestionnaireResponse the client prefetched,
// or nil when there is none: the key is absent or null, or the search found
// nothing.
func prefetched(prefetch map[string]json.RawMessage) (json.RawMessage, error) {
	raw, ok := prefetch[prefetchKey]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var head struct {
		ResourceType string `json:"resourceType"`
		Entry        []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, badRequest("prefetch", "prefetch.%s is not a FHIR resource: %v", prefetchKey, err)
	}
	switch head.ResourceType {
	case "QuestionnaireResponse":
		return raw, nil
	case "Bundle":
	default:
		return nil, badRequest("prefetch", "prefetch.%s is a %q; want a QuestionnaireResponse or a searchset Bundle of them", prefetchKey, head.ResourceType)
	}
	var found []json.RawMessage
	for i, e := range head.Entry {
		var r struct {
			ResourceType string `json:"resourceType"`
		}
		if err := json.Unmarshal(e.Resource, &r); err != nil && len(e.Resource) > 0 {
			return nil, badRequest("prefetch", "prefetch.%s.entry[%d].resource is not a FHIR resource: %v", prefetchKey, i, err)
		}
		switch r.ResourceType {
		case "QuestionnaireResponse":
			found = append(found, e.Resource)
		case "OperationOutcome": // search messages; not a result
		default:
			return nil, badRequest("prefetch", "prefetch.%s.entry[%d] is a %q; want QuestionnaireResponse", prefetchKey, i, r.ResourceType)
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

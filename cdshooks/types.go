package cdshooks

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Discovery is the body of GET /cds-services: the services offered.
type Discovery struct {
	Services []ServiceInfo `json:"services"`
}

// ServiceInfo describes one CDS Service in a Discovery response.
type ServiceInfo struct {
	// Hook is the hook the service is invoked on, such as "patient-view".
	Hook string `json:"hook"`
	// Title is the service's human-friendly name.
	Title string `json:"title,omitempty"`
	// Description says what the service does.
	Description string `json:"description"`
	// ID is the {id} of the service's endpoint, /cds-services/{id}.
	ID string `json:"id"`
	// Prefetch maps prefetch keys to FHIR query templates.
	Prefetch map[string]string `json:"prefetch,omitempty"`
}

// Request is the body of a hook call, POST /cds-services/{id}.
type Request struct {
	// Hook is the hook that triggered the call.
	Hook string `json:"hook"`
	// HookInstance is a UUID naming this call.
	HookInstance string `json:"hookInstance"`
	// FHIRServer is the base URL of the client's FHIR server. The service
	// never calls it.
	FHIRServer string `json:"fhirServer,omitempty"`
	// FHIRAuthorization holds an access token for FHIRServer. The service
	// never uses it, and never logs it.
	FHIRAuthorization json.RawMessage `json:"fhirAuthorization,omitempty"`
	// Context is the hook's context; patient-view carries userId and
	// patientId.
	Context map[string]json.RawMessage `json:"context"`
	// Prefetch holds the prefetched FHIR data by prefetch key; a key the
	// client could not fill is absent or null.
	Prefetch map[string]json.RawMessage `json:"prefetch,omitempty"`

	patientID string // context.patientId, once checked
}

// Response is the body the service answers a hook call with.
type Response struct {
	// Cards holds the decision support; empty (never null) when there is
	// none.
	Cards []Card `json:"cards"`
}

// Card is one piece of decision support for the clinician.
//
// Marshalling a Card checks the rules the specification sets for it: a
// summary shorter than 140 characters (runes), a known indicator, a source
// label, and suggestions only together with a selectionBehavior. A card
// that breaks them is an error, never sent.
type Card struct {
	// UUID identifies the card, for audit and feedback.
	UUID string `json:"uuid,omitempty"`
	// Summary is one sentence of fewer than 140 characters.
	Summary string `json:"summary"`
	// Detail is GitHub-flavoured Markdown.
	Detail string `json:"detail,omitempty"`
	// Indicator is "info", "warning" or "critical".
	Indicator string `json:"indicator"`
	// Source is where the card's guidance comes from.
	Source Source `json:"source"`
	// Suggestions, when present, need SelectionBehavior ("at-most-one" or
	// "any"). This service never makes any.
	Suggestions       []Suggestion `json:"suggestions,omitempty"`
	SelectionBehavior string       `json:"selectionBehavior,omitempty"`
	// Links lead to more information or an app, such as the form.
	Links []Link `json:"links,omitempty"`
}

// Source is the primary source of a card's guidance.
type Source struct {
	// Label is a short, readable name for the source.
	Label string `json:"label"`
	// URL is where the source can be read; absolute.
	URL string `json:"url,omitempty"`
	// Topic optionally categorises the card.
	Topic *Coding `json:"topic,omitempty"`
}

// Coding is CDS Hooks' trimmed-down FHIR Coding.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Suggestion is a set of changes a clinician may accept. Its actions are kept
// as raw JSON, since this service makes none.
type Suggestion struct {
	Label         string            `json:"label"`
	UUID          string            `json:"uuid,omitempty"`
	IsRecommended bool              `json:"isRecommended,omitempty"`
	Actions       []json.RawMessage `json:"actions,omitempty"`
}

// Link is a link shown on a card.
type Link struct {
	// Label is the link's text.
	Label string `json:"label"`
	// URL is the address to open.
	URL string `json:"url"`
	// Type is "absolute" (open as is) or "smart" (a SMART app launch).
	Type string `json:"type"`
}

// maxSummary is the number of runes a summary must stay below.
const maxSummary = 140

// errCard wraps every reason a Card refuses to be marshalled.
var errCard = errors.New("cdshooks: invalid card")

// MarshalJSON implements json.Marshaler, refusing a card that breaks the
// specification's rules (see Card).
func (c Card) MarshalJSON() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	type plain Card
	data, err := encode(plain(c))
	return bytes.TrimSuffix(data, []byte("\n")), err
}

// check reports the first rule of the specification that c breaks.
func (c Card) check() error {
	switch {
	case c.Summary == "":
		return fmt.Errorf("%w: empty summary", errCard)
	case utf8.RuneCountInString(c.Summary) >= maxSummary:
		return fmt.Errorf("%w: summary of %d characters, want fewer than %d", errCard, utf8.RuneCountInString(c.Summary), maxSummary)
	case c.Indicator != "info" && c.Indicator != "warning" && c.Indicator != "critical":
		return fmt.Errorf("%w: indicator %q, want info, warning or critical", errCard, c.Indicator)
	case c.Source.Label == "":
		return fmt.Errorf("%w: source without a label", errCard)
	case len(c.Suggestions) > 0 && c.SelectionBehavior != "at-most-one" && c.SelectionBehavior != "any":
		return fmt.Errorf("%w: suggestions need selectionBehavior at-most-one or any, got %q", errCard, c.SelectionBehavior)
	case len(c.Suggestions) == 0 && c.SelectionBehavior != "":
		return fmt.Errorf("%w: selectionBehavior without suggestions", errCard)
	}
	for _, l := range c.Links {
		if l.Label == "" || l.URL == "" || (l.Type != "absolute" && l.Type != "smart") {
			return fmt.Errorf("%w: a link needs a label, a url and type absolute or smart", errCard)
		}
	}
	return nil
}

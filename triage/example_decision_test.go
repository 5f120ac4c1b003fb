package triage_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// A decision hook sees every evaluation: which rule set decided what, and
// why, with a digest of the answers instead of the answers. An auditor
// recomputes the digest from the answers as stored.
func ExampleWithDecisionHook() {
	hook := func(ctx context.Context, d triage.Decision) {
		fmt.Println("rule set:", d.RuleSet.Name, d.RuleSet.Version)
		fmt.Println("outcome:", d.Outcome, "refer:", d.Refer, "caution:", d.Caution, "missing:", d.Missing)
		fmt.Println("answers:", d.AnswersDigest)
	}
	eng, err := triage.Load(rules.FS, triage.WithDecisionHook(hook))
	if err != nil {
		log.Fatal(err)
	}
	stored := `{"fever": true, "numbness_tingling": ["chest", "arms"], "pops_per_day": 12.0, "night_pain": null}`
	answers, err := eng.DecodeAnswers(strings.NewReader(stored))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := eng.Evaluate(context.Background(), answers); err != nil {
		log.Fatal(err)
	}

	// The auditor's side: the answers as a JSON object without the
	// unanswered (null), lists sorted, keys sorted, no HTML escaping and no
	// final newline, then SHA-256.
	var m map[string]any
	if err := json.Unmarshal([]byte(stored), &m); err != nil {
		log.Fatal(err)
	}
	for id, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, id)
		case []any:
			slices.SortFunc(v, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		log.Fatal(err)
	}
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	fmt.Println("recomputed:", "sha256:"+hex.EncodeToString(sum[:]))
	// Output:
	// rule set: upper-back-self-adjustment 1.1.0
	// outcome: see_professional refer: [numbness_tingling fever] caution: [] missing: []
	// answers: sha256:995e02e0d7cf1582f7cbb97fdd4cead1b613e9f59089ce052c9cf138703ec7d2
	// recomputed: sha256:995e02e0d7cf1582f7cbb97fdd4cead1b613e9f59089ce052c9cf138703ec7d2
}

package triage

// optional turns the questions read by undecided caution rules
// (s.cautionNeeds) into Verdict.Optional: the ones that can be asked now,
// in questionnaire order, with a follow-up whose ask_if is undecided
// represented by the questions its ask_if reads, as for Missing. Unlike
// Missing it has no fallback: a caution that nothing askable can decide
// leaves the list empty, which costs the person nothing but a caution that
// could not have been asked for.
//
// It is called only for a SelfCare verdict, so asking these questions can
// add a caution but never change the outcome: every refer rule is already
// decided, and partial evaluation decides a rule only when no value of its
// unknowns could turn it.
func (s *evalState) optional(given []any) ([]string, error) {
	set := make([]bool, len(s.e.questions))
	for _, qi := range s.cautionNeeds {
		if err := s.represent(qi, set, given); err != nil {
			return nil, err
		}
	}
	out := []string{}
	for qi, in := range set {
		if in {
			out = append(out, s.e.questions[qi].ID)
		}
	}
	return out, nil
}

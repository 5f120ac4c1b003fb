package compile

import "cel.dev/cel-go/common/cost"

// sizeEstimator tells the cost estimator how large answers can be: a
// multichoice list holds at most its number of choices, a choice string is
// at most as long as its longest value.
type sizeEstimator struct{ e *Env }

// EstimateSize implements cost.Estimator.
func (s *sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	qi, ok := s.e.index[p[0]]
	if !ok {
		return nil
	}
	v := s.e.vars[qi]
	switch {
	case len(p) == 1 && v.Kind == StringList:
		return &cost.SizeEstimate{Min: 0, Max: uint64(len(v.Choices))}
	case len(p) == 1 && v.Kind == String, len(p) == 2 && v.Kind == StringList && p[1] == "@items":
		longest := 0
		for _, c := range v.Choices {
			longest = max(longest, len([]rune(c)))
		}
		return &cost.SizeEstimate{Min: 0, Max: uint64(longest)}
	}
	return nil
}

// EstimateCallCost implements cost.Estimator; standard costs apply.
func (s *sizeEstimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}

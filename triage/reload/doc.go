// Package reload serves the most recent rule set that loaded from a
// directory, for services that edit their rules without restarting:
//
//	r, err := reload.Watch(ctx, os.DirFS("rules"), reload.WithErrorHandler(func(err error) {
//		log.Printf("rules not reloaded: %v", err)
//	}))
//	if err != nil {
//		return err // the first load failed
//	}
//	v, err := r.Engine().Evaluate(ctx, answers)
//
// Every file is read once per poll and the engine is built from exactly
// the bytes that were hashed, so Verdict.RuleSet always names the content
// that answered. Only regular files are read, and symbolic links only while
// they stay inside the directory: the layout of a Kubernetes ConfigMap
// volume works, a link to a file elsewhere is refused.
//
// It supports triage; it is not a diagnosis.
package reload

// Package errmark lets a package of this module beside triage (triagetest)
// report an input over a limit as triage does, with a *triage.Error that
// wraps triage.ErrLimit, although only triage can set what makes it so,
// and triage exports no name for it.
package errmark

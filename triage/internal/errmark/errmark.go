package errmark

// Limit marks err, a *triage.Error, as about an input over a limit, so
// that it wraps triage.ErrLimit. Package triage sets it when it is
// initialised, before any package that imports triage can call it; it
// panics for any other error.
var Limit func(err error)

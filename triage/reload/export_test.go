package reload

import (
	"sync"
	"time"
)

// Ticker drives a Reloader's polls from a test, one at a time, in place of
// the timer: no test of polling depends on how fast the machine is.
type Ticker struct {
	mu     sync.Mutex // one Poll at a time, so each gets its own result
	ticks  chan time.Time
	polled chan error
}

// NewTicker returns a Ticker to give Watch with WithTicker.
func NewTicker() *Ticker {
	return &Ticker{ticks: make(chan time.Time), polled: make(chan error)}
}

// WithTicker makes the Reloader poll when, and only when, tk.Poll is
// called; WithInterval is then ignored.
func WithTicker(tk *Ticker) Option {
	return func(c *config) error {
		c.ticks = func(time.Duration) (<-chan time.Time, func()) { return tk.ticks, func() {} }
		c.polled = func(err error) { tk.polled <- err }
		return nil
	}
}

// Poll makes the Reloader poll once and returns when that poll is over,
// with its result: the load error of a broken edit the poll built, or nil
// (nothing changed, a change still settling, or a change loaded). Every
// read, build and handler call of the poll happens before Poll returns.
//
// Both channels are unbuffered: the tick is taken by the poll goroutine
// only once it is waiting for one, and the result is sent after the check
// has released the Reloader's lock. Poll blocks for ever on a Reloader
// that has stopped (go test's -timeout then fails the test).
func (tk *Ticker) Poll() error {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	tk.ticks <- time.Time{}
	return <-tk.polled
}

package httpbody

import (
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"time"
)

// ErrorWriteTime is how long an error about a body that could not be read
// gets to reach the client.
const ErrorWriteTime = 5 * time.Second

// ReadError is a body that could not be read to its end. Timeout is true
// when it stopped arriving and ran into the server's read deadline (the
// client may send it again: a 408), false for any other failure (a 400).
type ReadError struct {
	Timeout bool
	Err     error
}

func (e *ReadError) Error() string {
	if e.Timeout {
		return "the request body did not arrive in time"
	}
	return "cannot read the request body: " + e.Err.Error()
}

func (e *ReadError) Unwrap() error { return e.Err }

// Read reads all of r's body, at most limit bytes; more is an
// *http.MaxBytesError. Any other failure is a *ReadError, and the response
// is made ready for the error that the caller writes: the write deadline,
// which a server whose read and write timeouts are equal reaches together
// with the read deadline, is pushed back by ErrorWriteTime, and the
// connection is marked to close after the response, its body being
// unread.
func Read(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		return body, nil
	}
	if errors.As(err, new(*http.MaxBytesError)) {
		return nil, err
	}
	// Not every ResponseWriter has deadlines (a test recorder has none);
	// without one there is nothing to push back.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(ErrorWriteTime))
	w.Header().Set("Connection", "close")
	var netErr net.Error
	timeout := errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout()
	return nil, &ReadError{Timeout: timeout, Err: err}
}

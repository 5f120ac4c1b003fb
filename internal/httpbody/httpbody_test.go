package httpbody

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason string
		body         io.Reader
		limit        int64
		want         string
		tooLarge     bool
		readErr      bool
		timeout      bool
	}{
		{name: "whole", reason: "a body within the limit is read whole", body: strings.NewReader(`{"a": 1}`), limit: 8, want: `{"a": 1}`},
		{name: "too large", reason: "one byte over the limit", body: strings.NewReader(`{"a": 12}`), limit: 8, tooLarge: true},
		{name: "deadline", reason: "a body that ran into the read deadline is a timeout",
			body: iotest.ErrReader(os.ErrDeadlineExceeded), limit: 8, readErr: true, timeout: true},
		{name: "broken", reason: "any other failure is not a timeout",
			body: iotest.ErrReader(errors.New("connection reset")), limit: 8, readErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := httptest.NewRecorder()
			r := httptest.NewRequest("POST", "/", tt.body)
			got, err := Read(w, r, tt.limit)
			var readErr *ReadError
			switch {
			case tt.tooLarge:
				assert.True(t, errors.As(err, new(*http.MaxBytesError)), tt.reason)
			case tt.readErr:
				require.True(t, errors.As(err, &readErr), tt.reason)
				assert.Equal(t, tt.timeout, readErr.Timeout, tt.reason)
				assert.Equal(t, "close", w.Header().Get("Connection"), "%s: the connection closes after the error", tt.reason)
			default:
				require.NoError(t, err, tt.reason)
				assert.Equal(t, tt.want, string(got), tt.reason)
				assert.Empty(t, w.Header().Get("Connection"), tt.reason)
			}
		})
	}
}

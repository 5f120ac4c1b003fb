package cdshooks

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlowBodyOnARealSocket stalls a hook call's body on a real connection
// to a server whose read and write timeouts are short and equal (as
// redflag serve's are): when the read timeout passes, the client gets a
// 408 with a JSON error instead of a dropped connection, and the log says
// timeout, not malformed.
func TestSlowBodyOnARealSocket(t *testing.T) {
	t.Parallel()
	s, logs := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, func(o *Options) { o.Insecure = true })
	srv := &http.Server{Handler: s, ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	tests := []struct {
		name, reason, request string
	}{
		{name: "short body", reason: "a body shorter than its Content-Length, then nothing",
			request: "POST /cds-services/" + DefaultID + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"hook\": "},
		{name: "chunked", reason: "a chunked body that stops mid-chunk",
			request: "POST /cds-services/" + DefaultID + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"hook\": "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			// Only a bound, so that a server that never answers fails the
			// test rather than hanging it.
			require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
			_, err = io.WriteString(conn, tt.request)
			require.NoError(t, err)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err, "%s: the server answers rather than dropping the connection", tt.reason)
			defer res.Body.Close()
			assert.Equal(t, http.StatusRequestTimeout, res.StatusCode, tt.reason)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			var e errorBody
			require.NoError(t, json.NewDecoder(res.Body).Decode(&e))
			assert.Contains(t, e.Error, "did not arrive in time", tt.reason)
		})
	}
	t.Cleanup(func() {
		assert.Contains(t, logs.String(), `"problem":"timeout"`)
		assert.NotContains(t, logs.String(), `"problem":"malformed"`)
	})
}

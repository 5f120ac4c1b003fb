package server_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/server"
	"github.com/redflagkit/redflag/triage"
)

// The handlers mounted in a program's own mux, beside its own routes.
func Example() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		panic(err)
	}
	srv, err := server.New(server.Options{
		Engine:  func() *triage.Engine { return eng }, // or a reload.Reloader's Engine
		BaseURL: "https://triage.example.org",
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "1.0") })
	mux.Handle("/", srv.Handler())

	req := httptest.NewRequest("POST", "/triage", strings.NewReader(`{"fever": true}`))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code, strings.Contains(rec.Body.String(), `"outcome":"see_professional"`))
	// Output:
	// 200 true
}

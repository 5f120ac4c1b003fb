package server

import (
	"net/http"
	"strconv"
)

// corsMaxAge is how long a browser may remember a preflight's answer.
const corsMaxAge = 600

// withCORS lets pages of the configured origins call the service from a
// browser, and no one else: an allowed origin (matched exactly) gets its
// own origin back in Access-Control-Allow-Origin, and its preflight
// requests are answered here; any other origin gets no CORS header, so its
// browser keeps the response from the page. Credentials (cookies) are
// never allowed: the service uses none.
func (s *Server) withCORS(h http.Handler) http.Handler {
	if len(s.cors) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The answer depends on the Origin header: caches must know.
		w.Header().Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" || !s.cors[origin] {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Access-Control-Allow-Origin", origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Add("Vary", "Access-Control-Request-Method")
			w.Header().Add("Vary", "Access-Control-Request-Headers")
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
			w.Header().Set("Access-Control-Allow-Headers", "Content-Type, Authorization")
			w.Header().Set("Access-Control-Max-Age", strconv.Itoa(corsMaxAge))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.ServeHTTP(w, r)
	})
}

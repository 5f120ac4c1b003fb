// Package httpbody reads a request body for the packages that serve HTTP
// (server, cdshooks) the same way: bounded in size, and with a body that
// stops arriving reported to the client as a timeout before the connection
// closes, rather than dropped without an answer.
package httpbody

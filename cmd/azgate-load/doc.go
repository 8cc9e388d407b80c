// Command azgate-load measures the check endpoint of azgate under load, on
// loopback, against the large generated policy (policygen.GenerateLarge: 10,000
// users in nested groups, 1,000 scopes). It is for whoever changes the
// decision path or the server and needs to know what that did to
// throughput and latency.
//
// In one run it:
//
//  1. builds the large policy, writes it to a temporary msxml:// store, and
//     creates a local directory with an administrator and an API token;
//  2. starts the real azgate server in-process (package server) on a
//     127.0.0.1:0 listener, and a "ceiling" server on another: a handler
//     that authenticates the same bearer token against the same directory,
//     decodes the same JSON body into the same request type, and returns a
//     fixed answer of the same shape without deciding anything;
//  3. drives each with keep-alive HTTP clients at concurrency 1, 4 and 16,
//     with single-operation checks and with 100-operation batches (by
//     default 10 checks of 10 operations; -batch-items), for a bounded time
//     per setting (-duration, after a short warm-up), cut into slices that
//     alternate between the two servers so that other load on the machine
//     falls on both alike;
//  4. prints a table: requests/s, operation decisions/s, p50 and p99
//     latency, and azgate's ratio to the ceiling; then the targets of issue
//     3 and whether they were met.
//
// Usage:
//
//	go run ./cmd/azgate-load [-duration 5s] [-concurrency 1,4,16] [-batch-items 10] [-only azgate] [-cpuprofile FILE]
//
// The generator shares the machine's cores with both servers, as a
// management server sharing a host with azgate would. Requests go to
// loopback only; each setting stops after -duration or -max-requests,
// whichever comes first.
package main

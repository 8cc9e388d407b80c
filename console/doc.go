// Package console is azgate's web console: AzMan's MMC snap-in in the
// browser, served by `azgate serve` under /ui/ on the same identities,
// delegation and audit log as the HTTP API. cmd/azgate mounts it through
// server.Config.Console; a server embedding azgate does the same with
// [New] on its *server.Server (or anything satisfying [Backend]).
//
// # Pages
//
// The store as the snap-in shows it (store → applications → groups, role
// and task definitions, operations, role assignments, scopes with their
// own objects), a form per object that saves through the admin API's own
// edits ([server.EditObject], [server.EditScope]) and shows a refused
// edit next to the field it is about; effective access (a user's, a
// directory group's or an application group's grid of scopes ×
// operations, each cell opening authz's explanation) and who-can; what-if
// (edits staged in the session, the decisions they change from
// authz.WhatIf, saved as one revision or discarded); the engine's VMs,
// switches and ports with their actions gated as the engine gates them;
// the audit log, filtered.
//
// # How it is made
//
// html/template pages and static files in an embed.FS, parsed once by
// [New] (a broken template fails the start); server-rendered, plain forms,
// readable with JavaScript off. One small script of its own (no library,
// nothing loaded from elsewhere) polls the policy revision every two
// seconds so a change saved by the CLI, the API or another replica shows
// up: read-only pages reload, forms say so and keep what was typed. Long
// lists (scopes, users, audit records, who-can) are searchable and shown
// 50 at a time.
//
// # Security
//
// Sign-in goes through [server.Server.SignIn]: the same directory, the
// same failed-login budgets and the same refusal of passwords over plain
// HTTP from a remote client as HTTP Basic. A session is a random 256-bit
// ID in a cookie (HttpOnly, SameSite=Strict, Secure under TLS, path /ui/)
// that ends after Options.IdleTimeout unused or at sign-out. Only a
// successful sign-in creates one, and they are bounded in total and per
// user (the least recently used goes first), so a caller without
// credentials cannot grow them. The session keeps the client context of
// its sign-in. Every state-changing request passes the server's
// http.CrossOriginProtection (forms post as forms; the JSON-only rule is
// the API's). Pages decide Read Policy and show edit controls only to
// holders of Write Policy, but every write goes to
// [server.Server.WritePolicy], which decides Write Policy again and saves
// against the revision the form was read at (a conflict is shown with a
// way to reload); engine actions call the gated engine with the caller's
// identity. Pages carry a strict Content-Security-Policy (scripts and
// styles from the console only, no framing).
package console

package api

// Error codes of the JSON error body: what went wrong, for programs.
const (
	CodeUnauthenticated      = "unauthenticated"        // 401: no or wrong credentials
	CodeAccessDenied         = "access_denied"          // 403: the caller may not; Operation names what
	CodeNotFound             = "not_found"              // 404: no such object, scope, user or operation
	CodeExists               = "already_exists"         // 409: the name is taken
	CodeInvalidState         = "invalid_state"          // 409: not possible in the object's state
	CodeInvalid              = "invalid_request"        // 400: the message names the field
	CodePreconditionRequired = "precondition_required"  // 428: a policy write without If-Match
	CodePreconditionFailed   = "precondition_failed"    // 412: the store changed since the If-Match revision
	CodeTooLarge             = "request_too_large"      // 413
	CodeMethodNotAllowed     = "method_not_allowed"     // 405
	CodeCrossOrigin          = "cross_origin_refused"   // 403: a cross-site browser write
	CodeUnsupportedMediaType = "unsupported_media_type" // 415: a write body that is not application/json
	CodeTooManyRequests      = "too_many_requests"      // 429
	CodeUnavailable          = "unavailable"            // 503: a store, directory or hypervisor that cannot answer
	CodeUnsupported          = "unsupported"            // 501: a change the engine's backend cannot make
	CodeInternal             = "internal"               // 500: see the server log
	CodeConflict             = "conflict"               // 409: a what-if's edits staged at a revision no longer the store's
	CodeStaleToken           = "stale_token"            // 410: a continuation token of a policy revision no longer in force
)

// ErrorBody is the body of every error answer.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Operation, OperationID, Scope and Application name what was denied
	// (access_denied only). Scope is absent when the denial concerns an
	// object, whose scope is not shown.
	Operation   string  `json:"operation,omitempty"`
	OperationID int     `json:"operationId,omitempty"`
	Scope       *string `json:"scope,omitempty"`
	Application string  `json:"application,omitempty"`
	// Hints (access_denied only, for callers who may read the policy) are
	// the smallest existing role assignments or role definitions that
	// would grant the operation in the scope.
	Hints []string `json:"hints,omitempty"`
}

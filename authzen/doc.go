// Package authzen serves the OpenID AuthZEN Authorization API 1.0 over
// azgate's decisions, so API gateways and applications that speak the
// standard can use azgate as their policy decision point (PDP).
//
// It is for the server: [Service.Endpoints] lists the API's endpoints
// (POST /access/v1/evaluation and /evaluations, the subject, resource and
// action searches under /access/v1/search, and GET
// /.well-known/authzen-configuration) for the server's route table, which
// authenticates the caller; the service decides with the policy in force
// through the functions of its [Config].
//
// # Mapping onto AzMan
//
// An AuthZEN request names a subject, an action and a resource; azgate
// decides an AccessCheck:
//
//   - the application is resource.properties.application, else
//     Config.Application (the engine's application by default);
//   - action.name is an operation of that application, by name;
//   - subject.id is a user the directory resolves (by name, SID or alias:
//     a user may be known by more than one id), with its transitive groups;
//   - the scope is resource.properties.scope; a resource of type "scope"
//     is the scope its id names ("" is the default scope); a resource of
//     a type Config.Objects knows (the engine's "vm", "switch" and "port")
//     is decided in that object's own scope and every further scope
//     Objects names (a port's switch's), all of which must allow, and a
//     missing object or one the caller may not learn of is a plain
//     denial; anything else in the default scope;
//   - business rules see the members of context as parameters by their own
//     names, and the entities as the parameters "subject" (with "ids", every
//     identifier the directory knows the user by), "resource" and "action".
//
// A decision that cannot be made (unknown subject, application, operation
// or scope; a failing business rule) is a denial whose context says why:
// decisions default to closed. Errors of a whole request are HTTP errors
// whose body is the message, as text.
//
// The searches are exact and complete: they evaluate every candidate (the
// directory's users, the application's scopes or the engine's objects, the
// application's operations) with the same AccessCheck an evaluation makes,
// and page through the answer with a token bound to the policy revision and
// the request.
package authzen

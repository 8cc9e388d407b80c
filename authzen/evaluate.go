package authzen

import (
	"net/http"
	"strconv"
)

// evaluation serves POST /access/v1/evaluation.
func (s *Service) evaluation(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Authorize(r, OpCheckAccess); err != nil {
		return err
	}
	var req wireEvaluation
	if err := decode(r, &req); err != nil {
		return err
	}
	e, err := req.evaluation("")
	if err != nil {
		return err
	}
	dec, err := s.newDecider(r).decide(e)
	if err != nil {
		return err
	}
	return writeJSON(w, dec)
}

// evaluations serves POST /access/v1/evaluations: every evaluation with the
// request's defaults, in order, under the evaluations semantic. Without
// evaluations it is one evaluation, answered as /evaluation answers.
func (s *Service) evaluations(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Authorize(r, OpCheckAccess); err != nil {
		return err
	}
	var req wireEvaluations
	if err := decode(r, &req); err != nil {
		return err
	}
	semantic := ExecuteAll
	if req.Options != nil && req.Options.EvaluationsSemantic != "" {
		semantic = req.Options.EvaluationsSemantic
	}
	switch semantic {
	case ExecuteAll, DenyOnFirstDeny, PermitOnFirstPermit:
	default:
		return badRequest("options.evaluations_semantic %q: want %s, %s or %s", semantic, ExecuteAll, DenyOnFirstDeny, PermitOnFirstPermit)
	}
	d := s.newDecider(r)
	if len(req.Evaluations) == 0 {
		e, err := req.wireEvaluation.evaluation("")
		if err != nil {
			return err
		}
		dec, err := d.decide(e)
		if err != nil {
			return err
		}
		return writeJSON(w, dec)
	}
	if len(req.Evaluations) > MaxEvaluations {
		return &Error{Status: http.StatusRequestEntityTooLarge,
			Message: "at most " + strconv.Itoa(MaxEvaluations) + " evaluations in one request; split it"}
	}
	// Every evaluation must be complete before any is decided: a malformed
	// one fails the request, whatever the semantic would have skipped.
	evals := make([]evaluation, len(req.Evaluations))
	for i, we := range req.Evaluations {
		we = we.withDefaults(&req.wireEvaluation)
		e, err := we.evaluation("evaluations[" + strconv.Itoa(i) + "]: ")
		if err != nil {
			return err
		}
		evals[i] = e
	}
	out := EvaluationsResponse{Evaluations: make([]Decision, 0, len(evals))}
	for _, e := range evals {
		dec, err := d.decide(e)
		if err != nil {
			return err
		}
		stop := (semantic == DenyOnFirstDeny && !dec.Decision) || (semantic == PermitOnFirstPermit && dec.Decision)
		if stop && semantic == DenyOnFirstDeny {
			if dec.Context == nil {
				dec.Context = map[string]any{}
			}
			dec.Context["evaluations_semantic"] = semantic
		}
		out.Evaluations = append(out.Evaluations, dec)
		if stop {
			break
		}
	}
	return writeJSON(w, out)
}

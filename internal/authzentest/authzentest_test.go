package authzentest

import "testing"

func TestCheck(t *testing.T) {
	tests := []struct {
		schema, body string
		ok           bool
	}{
		{EvaluationRequest, `{"subject":{"type":"user","id":"a"},"action":{"name":"r"},"resource":{"type":"t","id":"1"}}`, true},
		{EvaluationRequest, `{"subject":{"type":"user"},"action":{"name":"r"},"resource":{"type":"t","id":"1"}}`, false},
		{EvaluationResponse, `{"decision":true}`, true},
		{EvaluationResponse, `{"decision":"yes"}`, false},
		{EvaluationsRequest, `{"subject":{"type":"user","id":"a"},"evaluations":[{"action":{"name":"r"},"resource":{"type":"t","id":"1"}}],"options":{"evaluations_semantic":"execute_all"}}`, true},
		{EvaluationsRequest, `{"options":{"evaluations_semantic":"some"}}`, false},
		{EvaluationsResponse, `{"evaluations":[{"decision":false,"context":{"reason":"no"}}]}`, true},
		{SearchSubjectRequest, `{"subject":{"type":"user"},"action":{"name":"r"},"resource":{"type":"t","id":"1"},"page":{"limit":2}}`, true},
		{SearchSubjectRequest, `{"subject":{"type":"user"},"action":{"name":"r"},"resource":{"type":"t","id":"1"},"page":{"limit":-1}}`, false},
		{SearchActionResponse, `{"page":{"next_token":"","count":1,"total":1},"results":[{"name":"r"}]}`, true},
		{SearchResourceResponse, `{"results":[{"type":"t"}]}`, false},
		{Metadata, `{"policy_decision_point":"https://pdp.example","access_evaluation_endpoint":"https://pdp.example/access/v1/evaluation"}`, true},
		{Metadata, `{"policy_decision_point":"https://pdp.example"}`, false},
	}
	for _, tc := range tests {
		err := Check(tc.schema, []byte(tc.body))
		if (err == nil) != tc.ok {
			t.Errorf("Check(%s, %s) = %v, want ok %v", tc.schema, tc.body, err, tc.ok)
		}
	}
}

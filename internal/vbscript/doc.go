// Package vbscript translates the simple forms of AzMan VBScript business
// rules to JScript, which azgate runs (it has no VBScript engine). It is
// for `azgate store convert-rules`: an administrator reviews each
// translation before applying it.
//
// Translated: Dim; assignments, to AccessCheck.BusinessRuleResult and
// BusinessRuleString (AzBizRuleContext too) and to variables;
// AccessCheck.GetParameter; If/Then/ElseIf/Else/End If, one-line If; And,
// Or, Not, Xor; comparisons (= <> < > <= >=); + - * / \ Mod & ;
// True/False; string and number literals; CInt, CLng, CDbl, CSng, CStr,
// Abs, Int, Fix; comments; line continuations and ':' separators.
// Anything else (dates, string functions, objects, loops) is refused with
// the line and what it uses: such a rule is rewritten by hand.
package vbscript

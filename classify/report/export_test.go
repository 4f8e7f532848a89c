package report

// MaxReportSize lets the external tests lower ReadReport's bound.
var MaxReportSize = &maxReportSize

// Package numfmt formats counts for people, the same way in every report
// text (render) and in the diff summary (report).
package numfmt

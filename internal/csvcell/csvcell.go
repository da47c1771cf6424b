// Package csvcell keeps exported CSV cells from being read as formulas by
// spreadsheets (CSV injection): a cell that starts like a formula gets a
// leading apostrophe, which spreadsheets show as text.
package csvcell

import "strings"

// Safe returns cells with formula-like ones defused, in place.
func Safe(cells []string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}

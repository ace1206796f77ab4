package slogrotate

import (
	"slices"
	"time"
)

// retention.go holds what the janitor keeps and deletes, as pure
// selections from a listing of archives: by count, by age, by total size,
// by free space, and which archives stay uncompressed.

// expired picks, from archives (oldest first, as the janitor keeps them),
// those that retention by count and age deletes (overSize adds those over
// WithMaxTotalSize and under WithMinFreeSpace): all but the newest
// maxBackups, and those whose period ended more than maxAge before now.
// An archive present both plain and compressed (a compression cut short)
// counts once, and both files go together.
func (c *config) expired(archives []archiveName, now time.Time) []archiveName {
	if c.maxBackups == 0 && c.maxAge == 0 {
		return nil
	}
	var out []archiveName
	if c.maxBackups == 0 || len(archives) <= c.maxBackups {
		// Not over the count even if no archive is there twice: age alone
		// decides, archive by archive, and the sweep after every rollover
		// need not sort thousands of archives to find that out.
		if c.maxAge > 0 {
			// The first archive young enough ends the old ones.
			for _, a := range archives {
				if !c.tooOld(a, now) {
					break
				}
				out = append(out, a)
			}
		}
		return out
	}
	beyond := newestBeyond(archives, c.maxBackups)
	for i, a := range archives {
		if i >= beyond || c.maxAge > 0 && c.tooOld(a, now) {
			out = append(out, a)
		}
	}
	return out
}

// newestBeyond sorts archives newest first and returns the index of the
// first one beyond the newest n (len(archives) if there is none), an
// archive there twice (plain and compressed) counting once.
func newestBeyond(archives []archiveName, n int) int {
	slices.SortFunc(archives, newestFirst)
	kept := 0
	for i, a := range archives {
		if i == 0 || !sameArchive(archives[i-1], a) {
			kept++
		}
		if kept > n {
			return i
		}
	}
	return len(archives)
}

// newestFirst orders archives by period and index, the newest first, and
// an archive there twice (a compression cut short) compressed first.
func newestFirst(a, b archiveName) int {
	if d := b.period.Compare(a.period); d != 0 {
		return d
	}
	if a.index != b.index {
		return b.index - a.index
	}
	switch {
	case a.compressed == b.compressed:
		return 0
	case a.compressed:
		return -1
	}
	return 1
}

// sameArchive reports whether a and b are one archive, plain and
// compressed.
func sameArchive(a, b archiveName) bool {
	return a.period.Equal(b.period) && a.index == b.index
}

// overSize picks, from the archives that expired leaves, the oldest (by
// period and index) until the others total at most maxTotal bytes
// (WithMaxTotalSize) and the free space, free plus what deleting the
// picked archives gives back, is at least minFree (WithMinFreeSpace), and
// returns them oldest first. gone is what expired picked, which gives its
// sizes back too; size gives each archive's size, by name, and has no
// entry for what is not a regular file (never deleted, and so never waited
// for). short reports that the free space stays under minFree even with
// every archive deleted: archives alone cannot reach the floor.
func (c *config) overSize(archives, gone []archiveName, size map[string]int64, free int64) (out []archiveName, short bool) {
	if c.maxTotal == 0 && c.minFree == 0 {
		return nil, false
	}
	var total int64
	for _, a := range archives {
		total += size[a.name]
	}
	picked := make(map[string]bool, len(gone))
	for _, a := range gone {
		total -= size[a.name]
		free += size[a.name]
		picked[a.name] = true
	}
	over := func() bool {
		return c.maxTotal > 0 && total > c.maxTotal || c.minFree > 0 && free < c.minFree
	}
	if !over() {
		return nil, false
	}
	slices.SortFunc(archives, func(a, b archiveName) int { return newestFirst(b, a) })
	for i, a := range archives {
		// An archive there twice goes as a whole: the second file of the
		// pair is taken even once the limits are met.
		if !over() && (i == 0 || !sameArchive(archives[i-1], a)) {
			break
		}
		if _, ok := size[a.name]; ok && !picked[a.name] {
			out = append(out, a)
			total -= size[a.name]
			free += size[a.name]
		}
	}
	return out, c.minFree > 0 && free < c.minFree
}

// tooOld reports whether a's period ended more than maxAge before now.
func (c *config) tooOld(a archiveName, now time.Time) bool {
	end := a.end
	if end.IsZero() { // not made by parseArchive
		end = c.schedule.next(a.period, c.loc)
	}
	return now.Sub(end) > c.maxAge
}

// compressible returns the archives the compression pass may compress:
// all of them but, with WithKeepUncompressed(n), the newest n (sorting
// archives to find them).
func (c *config) compressible(archives []archiveName) []archiveName {
	if c.keepPlain == 0 {
		return archives
	}
	return archives[newestBeyond(archives, c.keepPlain):]
}

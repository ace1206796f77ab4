package slogrotate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// overSize with WithMinFreeSpace picks the oldest archives until what
// they give back lifts the free space to the floor, an archive there plain
// and compressed going as a whole; it combines with the other limits in
// one selection (the space expired archives give back counts, the stricter
// limit wins); and it says when even every archive is not enough.
func TestMinFreeSpaceSelection(t *testing.T) {
	size := map[string]int64{
		"error.log.2021-10-14.gz":   100,
		"error.log.2021-10-15":      300, // compression cut short:
		"error.log.2021-10-15.gz":   50,  // one archive, 350 bytes
		"error.log.2021-10-16":      200,
		"error.log.2021-10-16.1.gz": 100,
		"error.log.2021-10-17":      400,
	} // 1150 in all
	list := []string{"error.log.notes", "error.log.2021-10-13.bak"} // foreign
	for name := range size {
		list = append(list, name)
	}
	now := time.Date(2021, 10, 18, 12, 0, 0, 0, time.UTC)
	all := []string{"error.log.2021-10-14.gz", "error.log.2021-10-15", "error.log.2021-10-15.gz",
		"error.log.2021-10-16", "error.log.2021-10-16.1.gz", "error.log.2021-10-17"}
	for _, tc := range []struct {
		name  string
		opts  []Option
		free  int64
		over  []string // what overSize adds to expired's
		gone  []string // what expired picks
		short bool
	}{
		{name: "at the floor", opts: []Option{WithMinFreeSpace(1000)}, free: 1000},
		{name: "one byte short", opts: []Option{WithMinFreeSpace(1000)}, free: 999,
			over: []string{"error.log.2021-10-14.gz"}},
		{name: "the pair goes together", opts: []Option{WithMinFreeSpace(1000)}, free: 800,
			over: all[:3]},
		{name: "just enough, oldest first", opts: []Option{WithMinFreeSpace(1000)}, free: 400,
			over: all[:4]},
		{name: "every archive exactly reaches it", opts: []Option{WithMinFreeSpace(1150)}, free: 0,
			over: all},
		{name: "every archive is not enough", opts: []Option{WithMinFreeSpace(1151)}, free: 0,
			over: all, short: true},
		{name: "no floor: free space is no reason", opts: []Option{WithMaxTotalSize(2000)}, free: 0},
		{name: "the size limit asks more", opts: []Option{WithMinFreeSpace(1000), WithMaxTotalSize(700)}, free: 990,
			over: all[:3]},
		{name: "the floor asks more", opts: []Option{WithMinFreeSpace(1000), WithMaxTotalSize(1000)}, free: 500,
			over: all[:4]},
		{name: "what count retention deletes counts as freed", opts: []Option{WithMinFreeSpace(1000), WithMaxBackups(4)}, free: 850,
			gone: all[:1], over: all[1:3]},
		{name: "count retention alone is enough", opts: []Option{WithMinFreeSpace(1000), WithMaxBackups(4)}, free: 900,
			gone: all[:1]},
		{name: "age retention takes more", opts: []Option{WithMinFreeSpace(1000), WithMaxAge(30 * time.Hour)}, free: 999,
			gone: all[:5]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := testConfig(t, tc.opts...)
			as := parseAll(c, list...)
			gone := c.expired(as, now)
			over, short := c.overSize(as, gone, size, tc.free)
			assert.Equal(t, tc.gone, names(gone), "expired")
			assert.Equal(t, tc.over, names(over), "overSize")
			assert.Equal(t, tc.short, short, "short")
		})
	}
}

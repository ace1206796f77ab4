package main

import (
	"errors"
	"fmt"
	"os/user"
	"strconv"
	"strings"

	"github.com/slogrotate/slogrotate"
)

// owner parses -owner: USER:GROUP, each a number or a name, or USER alone
// for the user's primary group.
func owner(opt func(uid, gid int) slogrotate.Option) optionParser {
	return optionParser{option: optionName(opt), parse: func(s string) (slogrotate.Option, error) {
		name, group, hasGroup := strings.Cut(s, ":")
		if name == "" || hasGroup && group == "" {
			return nil, errors.New("want USER:GROUP (numbers or names) or USER")
		}
		uid, primary, err := lookupUser(name)
		if err != nil {
			return nil, err
		}
		gid := primary
		if hasGroup {
			if gid, err = lookupGroup(group); err != nil {
				return nil, err
			}
		} else if gid < 0 {
			return nil, fmt.Errorf("user %s is a number, so give the group too: %s:GROUP", name, name)
		}
		return opt(uid, gid), nil
	}}
}

// lookupUser returns the user id of name (a number or a user name) and,
// for a name, its primary group (-1 for a number).
func lookupUser(name string) (uid, gid int, err error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, -1, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, fmt.Errorf("no user %s: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		return 0, 0, fmt.Errorf("user %s has no numeric ids (Windows ignores -owner): %w", name, err)
	}
	return uid, gid, nil
}

// lookupGroup returns the group id of name, a number or a group name.
func lookupGroup(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("no group %s: %w", name, err)
	}
	gid, err := strconv.Atoi(g.Gid)
	if err != nil {
		return 0, fmt.Errorf("group %s has no numeric id (Windows ignores -owner): %w", name, err)
	}
	return gid, nil
}

package web

import "net/http"

// checkboxOn is what a checkbox without a value attribute sends when it
// is ticked.
const checkboxOn = "on"

// formCheckbox reads the checkbox name of a POSTed form, whose input
// sends want when ticked (checkboxOn unless the template gives it a
// value): not sent is unticked, want once is ticked. Anything else — an
// other value ("off", "yes", ""), or the field sent more than once — is
// no browser's: it is noted in fields under field (the key the form
// shows the error by) and reads as unticked, rather than be taken as
// ticked because it is not empty.
func formCheckbox(r *http.Request, name, want string, fields map[string]string, field string) bool {
	r.PostFormValue(name) // parses the body, multipart or not
	vs, sent := r.PostForm[name]
	switch {
	case !sent:
		return false
	case len(vs) == 1 && vs[0] == want:
		return true
	}
	fields[field] = "Tick the box or leave it clear; it takes no other value."
	return false
}

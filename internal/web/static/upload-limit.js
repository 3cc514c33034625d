// A file field with data-max-bytes says at once when the file chosen is
// larger than the server takes (data-too-large, in the page's language),
// and its form is not sent with it: the server would refuse the file
// only after reading all of it — unless the control its data-used-with
// names is not checked (the file is then not used). The server checks
// again whatever this says; without this script the form still comes
// back, as filled in.
(() => {
	"use strict";
	const note = input => {
		const id = input.id + "-size";
		let p = document.getElementById(id);
		if (!p) {
			p = document.createElement("p");
			p.className = "field-error";
			p.id = id;
			p.hidden = true;
			input.insertAdjacentElement("afterend", p);
		}
		return p;
	};
	// data-used-with names the control (a radio) without which the file
	// is not used: while it is not checked, the file's size holds nothing
	// back.
	const used = input => {
		const on = input.dataset.usedWith && document.getElementById(input.dataset.usedWith);
		return !on || on.checked;
	};
	const over = input => {
		const max = Number(input.dataset.maxBytes);
		return used(input) && [...(input.files || [])].some(f => f.size > max);
	};
	const check = input => {
		const p = note(input), bad = over(input);
		const ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(s => s && s !== p.id);
		p.hidden = !bad;
		p.textContent = bad ? input.dataset.tooLarge : "";
		if (bad) {
			ids.push(p.id);
			input.setAttribute("aria-invalid", "true");
		} else if (!input.dataset.invalidFromServer) {
			input.removeAttribute("aria-invalid");
		}
		if (ids.length) input.setAttribute("aria-describedby", ids.join(" "));
		else input.removeAttribute("aria-describedby");
		return !bad;
	};
	for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
		if (input.getAttribute("aria-invalid") === "true") input.dataset.invalidFromServer = "1";
		input.addEventListener("change", () => check(input));
		if (input.form) {
			input.form.addEventListener("submit", e => {
				if (!check(input)) {
					e.preventDefault();
					input.focus();
				}
			});
		}
	}
})();

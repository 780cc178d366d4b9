/* Progressive enhancement only: every page works without it.
   1. the error summary takes the focus, so screen readers announce it;
   2. the filing wizard saves its draft while the person types (the "Lưu nháp" button does it without script). */
(function () {
  "use strict";
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var timer = null;
  var status = document.getElementById("trang-thai-nhap");
  function save() {
    var data = new FormData(form);
    data.set("hanh-dong", "luu-nhap");
    // files are sent by the person's own submit, never in the background
    form.querySelectorAll("input[type=file]").forEach(function (f) { data.delete(f.name); });
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: {"X-CSRF-Token": data.get("csrf_token") || ""}
    }).then(function (r) {
      if (status && r.ok) { status.textContent = "Đã tự động lưu nháp."; }
    }).catch(function () {});
  }
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(save, 600); });
  form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(save, 200); });
}());

// Sift's keyboard shortcuts for screening: I include, E exclude, M maybe, U back to the last
// record (to change that vote), R reason, N note, ? help. Keys are ignored while typing.
(function () {
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var help = document.getElementById("help");
    if (ev.key === "Escape") {
      if (typing(document.activeElement)) document.activeElement.blur();
      if (help && help.open) help.close();
      return;
    }
    if (typing(document.activeElement)) return;
    var form = document.getElementById("vote-form");
    var key = ev.key.toLowerCase();
    if (ev.key === "?") { if (help) { help.open ? help.close() : help.showModal(); } ev.preventDefault(); return; }
    if (!form) return;
    var click = function (sel) { var b = form.querySelector(sel); if (b) { b.click(); ev.preventDefault(); } };
    if (key === "i") click("button.include");
    else if (key === "e") click("button.exclude");
    else if (key === "m") click("button.maybe");
    else if (key === "u") click("#undo");
    else if (key === "r") { var r = document.getElementById("reason"); if (r) { r.focus(); ev.preventDefault(); } }
    else if (key === "n") { var n = document.getElementById("note"); if (n) { n.focus(); ev.preventDefault(); } }
  });
  document.addEventListener("click", function (ev) {
    if (ev.target && ev.target.closest && ev.target.closest("#help-button")) {
      var help = document.getElementById("help");
      if (help) help.showModal();
    }
  });
  // After a new record arrives, put focus on its title so screen readers announce it.
  document.addEventListener("htmx:afterSwap", function (ev) {
    var t = document.getElementById("record-title");
    if (t) t.focus();
  });
})();
// Upload progress for large search exports.
document.addEventListener("htmx:xhr:progress", function (ev) {
  var bar = document.getElementById("upload-progress");
  if (bar && ev.detail.lengthComputable) {
    bar.hidden = false;
    bar.value = Math.round((ev.detail.loaded / ev.detail.total) * 100);
  }
});

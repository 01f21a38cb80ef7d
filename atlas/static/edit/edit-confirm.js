/* A confirmation in the page itself (a modal <dialog>), so it works on tablets and in tests. */
(function (global) {
  "use strict";

  // ask(text) resolves to true when the user confirms, false when they decline or press Escape.
  function EditConfirm(dialog) {
    this.dialog = dialog;
    this.text = dialog.querySelector(".editor-confirm-text");
    this.resolve = null;
    var self = this;
    dialog.querySelector(".editor-confirm-ok").addEventListener("click", function () { self.close(true); });
    dialog.querySelector(".editor-confirm-cancel").addEventListener("click", function () { self.close(false); });
    dialog.addEventListener("cancel", function (event) { event.preventDefault(); self.close(false); });
  }

  EditConfirm.prototype.ask = function (text) {
    var self = this;
    this.text.textContent = text;
    this.dialog.showModal();
    this.dialog.querySelector(".editor-confirm-cancel").focus();
    return new Promise(function (resolve) { self.resolve = resolve; });
  };

  EditConfirm.prototype.close = function (answer) {
    if (this.dialog.open) { this.dialog.close(); }
    if (this.resolve) {
      var resolve = this.resolve;
      this.resolve = null;
      resolve(answer);
    }
  };

  global.AtlasEditConfirm = EditConfirm;
})(window);

// A small rich-text editor for <textarea data-richtext>: bold, italic, lists and a link, written
// into the textarea as HTML that the server sanitises (core/richtext.py). Without JavaScript the
// textarea stays a plain textarea and the server turns its lines into paragraphs.
(function () {
  "use strict";
  var BUTTONS = [
    ["bold", "B", "加粗"],
    ["italic", "I", "斜体"],
    ["insertUnorderedList", "•", "项目列表"],
    ["insertOrderedList", "1.", "编号列表"],
    ["createLink", "🔗", "链接"],
  ];

  function enhance(area) {
    var box = document.createElement("div");
    box.className = "richtext";
    var bar = document.createElement("div");
    bar.className = "richtext-bar";
    bar.setAttribute("role", "toolbar");
    var editor = document.createElement("div");
    editor.className = "richtext-editor";
    editor.contentEditable = "true";
    editor.setAttribute("role", "textbox");
    editor.setAttribute("aria-multiline", "true");
    if (area.id) {
      var label = document.querySelector('label[for="' + area.id + '"]');
      if (label) editor.setAttribute("aria-label", label.textContent.trim());
    }
    editor.innerHTML = area.value;
    BUTTONS.forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.textContent = b[1];
      button.title = b[2];
      button.setAttribute("aria-label", b[2]);
      button.addEventListener("click", function () {
        editor.focus();
        if (b[0] === "createLink") {
          var url = window.prompt(b[2], "https://");
          if (url && /^(https?:|mailto:)/.test(url)) document.execCommand("createLink", false, url);
        } else {
          document.execCommand(b[0], false, null);
        }
        sync();
      });
      bar.appendChild(button);
    });
    function sync() {
      area.value = editor.innerHTML;
    }
    editor.addEventListener("input", sync);
    area.hidden = true;
    area.removeAttribute("required");
    area.parentNode.insertBefore(box, area);
    box.appendChild(bar);
    box.appendChild(editor);
    box.appendChild(area);
  }

  document.querySelectorAll("textarea[data-richtext]").forEach(enhance);
})();

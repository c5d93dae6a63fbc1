// Progressive enhancement only: every page works without this file.
"use strict";

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-autosubmit]");
  if (select) select.form.submit();
});

// Tree browser: open a node by loading its children fragment once, then toggle it.
document.addEventListener("click", async (event) => {
  const toggle = event.target.closest("button.toggle");
  if (!toggle) return;
  const item = toggle.closest("li[role=treeitem]");
  const open = item.getAttribute("aria-expanded") === "true";
  if (open) {
    item.setAttribute("aria-expanded", "false");
    toggle.textContent = "▸";
    const group = item.querySelector(":scope > ul");
    if (group) group.hidden = true;
    return;
  }
  let group = item.querySelector(":scope > ul");
  if (!group) {
    const response = await fetch(item.dataset.childrenUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    item.insertAdjacentHTML("beforeend", await response.text());
    group = item.querySelector(":scope > ul");
  }
  group.hidden = false;
  item.setAttribute("aria-expanded", "true");
  toggle.textContent = "▾";
});

document.addEventListener("click", (event) => {
  if (event.target.closest("button[data-print]")) window.print();
});

// Reply templates: a click puts the template's text into the reply box of its action's form.
document.addEventListener("click", (event) => {
  const template = event.target.closest("button[data-template]");
  if (!template) return;
  const box = document.querySelector(`form[data-act="${template.dataset.templateAction}"] textarea[data-template-target]`);
  if (box) { box.value = template.dataset.template; box.focus(); }
});

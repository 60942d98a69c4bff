/* sphinx_hpc_platform.copy_buttons: each copy button's name, in the page's language (the script
 * tag's data-label, from the theme's catalog). sphinx-copybutton adds all its buttons at once,
 * when its clipboard library has loaded: they are named as soon as they appear. */
(() => {
  const label = document.currentScript?.dataset.label;
  if (!label) return;
  const name = () => {
    const buttons = document.querySelectorAll("button.copybtn:not([aria-label])");
    for (const button of buttons) button.setAttribute("aria-label", label);
    return buttons.length > 0;
  };
  const observer = new MutationObserver(() => {
    if (name()) observer.disconnect();
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
})();

/* sphinx_hpc_platform.language_switcher: the link to the same page in another language keeps
 * where the reader is: the section (#memory; ids are the same in every language) and the query
 * (?q=memory on the search page). The links' own href is the page; this adds the rest, when the
 * page loads, when the fragment changes, and at the moment a link is followed. */
(() => {
  const links = () => document.querySelectorAll(".language-switcher a.language-link");
  const follow = () => {
    for (const link of links()) {
      link.dataset.page ??= link.getAttribute("href");
      link.setAttribute("href", link.dataset.page + location.search + location.hash);
    }
  };
  document.addEventListener("DOMContentLoaded", follow);
  window.addEventListener("hashchange", follow);
  window.addEventListener("popstate", follow);
  for (const type of ["click", "auxclick", "contextmenu", "focusin"]) {
    document.addEventListener(type, (event) => {
      if (event.target.closest?.(".language-switcher")) follow();
    }, true);
  }
})();

/**
 * channel-link demo: one page, two views. The default view plays the seed timeline (T0–T10: UID 1
 * joins, drops, comes back, as UID 2 sees it) with both users in this page; `?view=tabs` is the
 * two-tab mode (one user per tab, a join form).
 * Each view's markup is a <template> in index.html; its code loads on demand.
 */
const view = new URLSearchParams(location.search).get('view') === 'tabs' ? 'tabs' : 'seed';
document.body.dataset.view = view;
const template = document.querySelector<HTMLTemplateElement>(`#view-${view}`)!;
const host = document.querySelector<HTMLElement>('#view')!;
// Laid out but unseen until the view's code has filled it in, so the page does not jump on load.
host.style.visibility = 'hidden';
host.append(template.content.cloneNode(true));
for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a')) {
  if (link.dataset.view === view) link.setAttribute('aria-current', 'page');
}

void (view === 'tabs' ? import('./tabs/page.js') : import('./seed/page.js')).finally(() => {
  host.style.visibility = '';
  document.body.dataset.ready = 'true'; // what the e2e tests wait for
});

// The Mini App's header folds its pages and Keluar into a menu on a phone (#27): a test
// reaches them as a user does, through the Menu button when it is shown.

/// Opens the header's menu, if the screen folds it. `root` is a page or a frame.
export async function openMenu(root) {
  const button = root.locator('#menu-button');
  if (await button.isVisible() && (await button.getAttribute('aria-expanded')) !== 'true') await button.click();
}

/// Taps the header's `selector` (#team-tab, #report-tab, #booking-tab, #logout), through
/// the menu on a phone, once the page offers it.
export async function tapInMenu(root, selector) {
  await root.locator(`${selector}:not([hidden])`).waitFor({ state: 'attached' });
  await openMenu(root);
  await root.locator(selector).click();
}

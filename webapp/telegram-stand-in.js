// A stand-in for Telegram's window.Telegram.WebApp, for the Mini App opened outside
// Telegram (the demo's phone frame, the browser tests): it carries real signed initData
// and a theme, and draws the native Main and Back buttons as ordinary page buttons
// (#tg-main-button, #tg-back-button). `install(setup)` takes { initData, user, startParam,
// themeParams, colorScheme }. Served only by `tangkap demo`; never part of the real app.
'use strict';
window.TangkapTelegramStandIn = (() => {
  function install(setup) {
    const record = (window.__telegram = { haptics: [], openedLinks: [], ready: false });
    const listeners = { main: [], back: [] };
    // The Main button spans the bottom edge; the Back button sits at the bottom left.
    const draw = (id, label, visible, compact) => {
      const place = () => {
        let button = document.getElementById(id);
        if (!button) {
          button = document.createElement('button');
          button.id = id;
          button.type = 'button';
          button.addEventListener('click', () => listeners[id === 'tg-main-button' ? 'main' : 'back'].forEach((fn) => fn()));
          Object.assign(button.style, { position: 'fixed', left: '0', right: compact ? 'auto' : '0', zIndex: '10',
            bottom: '0', padding: '14px', border: '0',
            // Darkened as the page's own buttons are (app.css), only as far as its label needs.
            background: `lch(from ${setup.themeParams.button_color} min(l, 48) c h)`,
            color: setup.themeParams.button_text_color, minHeight: '44px' });
          document.body.append(button);
        }
        button.textContent = label;
        button.hidden = !visible;
      };
      if (document.body) place(); else document.addEventListener('DOMContentLoaded', place);
    };
    const mainButton = {
      text: '', isVisible: false,
      setText(text) { this.text = text; draw('tg-main-button', this.text, this.isVisible, false); return this; },
      show() { this.isVisible = true; draw('tg-main-button', this.text, true, false); return this; },
      hide() { this.isVisible = false; draw('tg-main-button', this.text, false, false); return this; },
      onClick(fn) { listeners.main.push(fn); return this; },
      showProgress() { return this; }, hideProgress() { return this; },
    };
    const backButton = {
      isVisible: false,
      show() { this.isVisible = true; draw('tg-back-button', '‹ Back', true, true); return this; },
      hide() { this.isVisible = false; draw('tg-back-button', '‹ Back', false, true); return this; },
      onClick(fn) { listeners.back.push(fn); return this; },
    };
    window.Telegram = {
      WebApp: {
        initData: setup.initData,
        initDataUnsafe: { user: setup.user, start_param: setup.startParam },
        themeParams: setup.themeParams,
        colorScheme: setup.colorScheme,
        platform: 'tdesktop',
        version: '8.0',
        ready() { record.ready = true; },
        expand() {},
        onEvent() {},
        offEvent() {},
        openTelegramLink(url) {
          record.openedLinks.push(url);
          // In the demo's phone frame, the page around it plays Telegram and opens the chat.
          if (window.parent !== window) window.parent.postMessage({ tangkap: 'open-link', url }, window.location.origin);
        },
        HapticFeedback: {
          notificationOccurred(kind) { record.haptics.push(kind); },
          impactOccurred() {},
          selectionChanged() {},
        },
        MainButton: mainButton,
        BackButton: backButton,
      },
    };
  }

  const LIGHT_THEME = {
    bg_color: '#ffffff', text_color: '#000000', hint_color: '#999999', link_color: '#2481cc',
    button_color: '#2481cc', button_text_color: '#ffffff', secondary_bg_color: '#efeff3',
    section_bg_color: '#ffffff', destructive_text_color: '#ff3b30',
  };

  const DARK_THEME = {
    bg_color: '#17212b', text_color: '#f5f5f5', hint_color: '#708499', link_color: '#6ab3f3',
    button_color: '#5288c1', button_text_color: '#ffffff', secondary_bg_color: '#232e3c',
    section_bg_color: '#17212b', destructive_text_color: '#ec3942',
  };

  return { install, LIGHT_THEME, DARK_THEME };
})();

import './styles.css';
import { mountHome } from './home-page';

/** Client-side routing over the three paths the server serves this page for. */
async function route(): Promise<void> {
  const root = document.getElementById('app')!;
  const path = window.location.pathname.replace(/\/+$/, '') || '/';
  if (path === '/graph') {
    document.title = 'Data-flow graph · Flowgate';
    const { mountGraphPage } = await import('./graph/graph-page');
    await mountGraphPage(root);
  } else if (path === '/settings') {
    document.title = 'Preference centre · Flowgate';
    const { mountSettingsPage } = await import('./settings/settings-page');
    await mountSettingsPage(root);
  } else {
    document.title = 'Flowgate';
    mountHome(root);
  }
}

void route();

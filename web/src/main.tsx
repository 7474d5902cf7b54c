import { render } from 'preact';
import { App } from './app.js';
import { applyTheme, initialTheme } from './theme.js';
import './styles.css';

// Before the first paint, so a dark-mode user never sees a white flash.
applyTheme(initialTheme(), false);
render(<App />, document.getElementById('app')!);

import { createApp } from "vue";
import App from "./App.vue";
import ApplicantApp from "./ApplicantApp.vue";
import "./style.css";
import { chooseBackend } from "./backend";

// The same page serves the clerk's window and the screen facing the applicant
// (`index.html#applicant`, opened by the shell as the window `applicant`).
// A joined desk's window sends its commands to the office server: decided before mounting.
void chooseBackend().then(() => createApp(window.location.hash === "#applicant" ? ApplicantApp : App).mount("#app"));

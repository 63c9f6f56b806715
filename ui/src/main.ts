import { createApp } from "vue";
import App from "./App.vue";
import ApplicantApp from "./ApplicantApp.vue";
import "./style.css";

// The same page serves the clerk's window and the screen facing the applicant
// (`index.html#applicant`, opened by the shell as the window `applicant`).
createApp(window.location.hash === "#applicant" ? ApplicantApp : App).mount("#app");

//! The camera in the window (document cameras, 高拍仪, are USB cameras). WebKitGTK ships
//! `getUserMedia` switched off (its `enable-media-stream` setting), and a permission
//! request that no handler answers is denied; the scan panel needs both. The window only
//! ever loads the app's own pages, and only the camera is granted: the microphone and
//! screen capture are refused.

use tauri::webview::{PermissionKind, PermissionResponse};

/// The answer to the webview's permission requests.
pub fn permission(kind: PermissionKind) -> PermissionResponse {
    match kind {
        PermissionKind::Camera => PermissionResponse::Allow,
        PermissionKind::Microphone | PermissionKind::DisplayCapture => PermissionResponse::Deny,
        _ => PermissionResponse::Default,
    }
}

/// Switches WebKitGTK's media streams on for `window` (nothing to do elsewhere: WebView2
/// and WKWebView have getUserMedia on and ask through [`permission`]).
pub fn enable_camera<R: tauri::Runtime>(window: &tauri::WebviewWindow<R>) -> tauri::Result<()> {
    window.with_webview(|webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{SettingsExt as _, WebViewExt as _};
            if let Some(settings) = webview.inner().settings() {
                settings.set_enable_media_stream(true);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = webview;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_camera_is_granted() {
        assert!(matches!(permission(PermissionKind::Camera), PermissionResponse::Allow));
        assert!(matches!(permission(PermissionKind::Microphone), PermissionResponse::Deny));
        assert!(matches!(permission(PermissionKind::DisplayCapture), PermissionResponse::Deny));
        assert!(matches!(permission(PermissionKind::Geolocation), PermissionResponse::Default));
    }
}

package org.mtcp.webapp.browser;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven through the system's chromedriver (Debian's {@code chromium} and
 * {@code chromium-driver}), with nothing downloaded: both paths are given to Selenium, so its
 * Selenium Manager has nothing to resolve. Paths can be overridden with the system properties
 * {@code mtcp.chromium} and {@code webdriver.chrome.driver}.
 */
final class Chromium {

    static final String BROWSER_PROPERTY = "mtcp.chromium";
    static final String DRIVER_PROPERTY = "webdriver.chrome.driver";

    private Chromium() {}

    /**
     * A new headless browser with a fresh profile. Fails with installation instructions when
     * Chromium or its driver is missing: CI installs them (.ci/lib.sh), a developer machine may not
     * have them yet.
     */
    static ChromeDriver start(Path profile, int width, int height) throws IOException {
        Path browser = Path.of(System.getProperty(BROWSER_PROPERTY, "/usr/bin/chromium"));
        Path driver = Path.of(System.getProperty(DRIVER_PROPERTY, "/usr/bin/chromedriver"));
        if (!Files.isExecutable(browser) || !Files.isExecutable(driver)) {
            throw new IllegalStateException("The browser test needs headless Chromium and its driver: "
                    + (Files.isExecutable(browser) ? "" : browser + " is missing; ")
                    + (Files.isExecutable(driver) ? "" : driver + " is missing; ")
                    + "install them with `sudo apt-get install chromium chromium-driver` (Debian/Ubuntu; CI does this in "
                    + ".ci/lib.sh), or point -D" + BROWSER_PROPERTY + "=PATH and -D" + DRIVER_PROPERTY
                    + "=PATH at a Chromium and a matching chromedriver.");
        }
        System.setProperty(DRIVER_PROPERTY, driver.toString());
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--no-default-browser-check",
                "--user-data-dir=" + profile.toAbsolutePath(),
                "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .withTimeout(Duration.ofSeconds(60))
                .build();
        return new ChromeDriver(service, options);
    }
}

// Signing in for the staff pages. In Azure, App Service authentication (Easy Auth) answers
// /.auth/login/aad; locally the dev host emulates it with a small form.

/** Show the sign-in panel, its link pointing back to `returnTo` (a same-site path). */
export function showSignIn(section, link, returnTo) {
  const target = returnTo && returnTo.startsWith("/") && !returnTo.startsWith("//") ? returnTo : "/";
  link.href = `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(target).replace(/%2F/g, "/")}`;
  section.hidden = false;
  const heading = section.querySelector("h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
}
